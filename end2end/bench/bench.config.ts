import { defineConfig } from '@playwright/test';

import { chromiumLaunchOptions } from '../chromium';

// The browser benchmarks (GitHub issue #8), kept apart from the test suite: scripts/bench.sh
// seeds the database, starts the release server and runs
//
//   cd end2end && npx playwright test -c bench/bench.config.ts
//
// with the BENCH_* variables described at the top of canvas.bench.ts. There is no webServer
// here: the server is already running at BENCH_ORIGIN.
export default defineConfig({
  testDir: '.',
  testMatch: '*.bench.ts',
  // Inside /end2end/test-results, which git ignores.
  outputDir: '../test-results/bench',
  // One test measures everything in sequence; a slow machine must not cut it short.
  timeout: 20 * 60_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    actionTimeout: 60_000,
    navigationTimeout: 120_000,
    // Tracing and screenshots would disturb the timings.
    trace: 'off',
    screenshot: 'off',
    video: 'off',
    // Launched exactly as for the test suite.
    launchOptions: chromiumLaunchOptions,
  },
});
