// How every Playwright run here launches the browser: Debian's Chromium (Playwright never
// downloads one of its own), headless as root, with no background networking (this machine's
// closed network refuses it, many connections at a time).
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
