/** What every browser test shares: the server's URL, a key per role, sign-in, screenshots. */
import { test as base, expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type Keys = Record<"viewer" | "planner" | "ml_manager" | "admin" | "empty_admin", string>;

const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), "..", "reports", "screenshots");

export const test = base.extend<{ keys: Keys; signIn: (key: string) => Promise<void> }>({
  baseURL: async ({}, use) => {
    await use(process.env.SHELFOPS_E2E_URL);
  },
  keys: async ({}, use) => {
    await use(JSON.parse(process.env.SHELFOPS_E2E_KEYS ?? "{}") as Keys);
  },
  signIn: async ({ page }, use) => {
    await use(async (key: string) => {
      await page.goto("/");
      await page.getByLabel("API key").fill(key);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
    });
  },
});

/** Save a full-page screenshot as `reports/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export { expect };
