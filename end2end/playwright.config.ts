import { defineConfig } from '@playwright/test';

import { chromiumLaunchOptions } from './chromium';

// The release server, started by Playwright itself against a database of its own.
// scripts/test.sh builds the binary and sets E2E_DATABASE_URL; both can be overridden.
const port = process.env.E2E_PORT ?? '3100';
const origin = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: origin,
    trace: 'retain-on-failure',
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions,
  },
  webServer: {
    command: process.env.E2E_SERVER_COMMAND ?? './target/release/impact-tree serve',
    cwd: '..',
    url: `${origin}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/impact_tree_e2e',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_ENV: 'production',
      IMPACT_TREE_PUBLIC_ORIGIN: origin,
      // Plain http on loopback: the browser would drop Secure cookies.
      IMPACT_TREE_COOKIE_SECURE: 'false',
      // Every test signs up a fresh person, all from loopback.
      IMPACT_TREE_RATE_LIMIT_SIGNUP_PER_IP: '1000',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
    },
  },
});
