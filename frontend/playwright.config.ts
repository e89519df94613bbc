import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests: Debian's Chromium (`/usr/bin/chromium`) driven by Playwright against a
 * real `shelfops serve` on demo data, which `e2e/global-setup.ts` prepares and starts.
 * One worker: the tests act on one shared demo tenant.
 */
export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["html", { outputFolder: "reports/e2e-html", open: "never" }]],
  outputDir: "test-results",
  use: {
    browserName: "chromium",
    viewport: { width: 1440, height: 900 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.SHELFOPS_CHROMIUM ?? "/usr/bin/chromium",
      // The machine has no outside network: keep Chromium from trying to phone home.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
