import { defineConfig } from "@playwright/test";

// Roster runs from the release build on its own port with a fresh database
// (see start-roster.sh); Chromium is Debian's, as Playwright cannot download
// browsers here.
const port = Number(process.env.ROSTER_E2E_PORT ?? 3419);

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    command: "bash ./start-roster.sh",
    url: `http://127.0.0.1:${port}/login`,
    env: { ROSTER_E2E_PORT: String(port) },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
