import { defineConfig } from "@playwright/test";

/**
 * Browser tests drive Debian's Chromium (the machines here cannot download
 * Playwright's own build). Each spec file starts its own copy of the release
 * binary in an empty temp dir, so specs never share state.
 */
export default defineConfig({
  // `make bench-console` points this at ./bench, whose specs print figures.
  testDir: process.env.KEYWARD_E2E_DIR ?? "./tests",
  outputDir: "./test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
});
