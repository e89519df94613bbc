import { expect, screenshot, test } from "./fixtures";

test("a wrong key is refused in plain words and stays in the field", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("API key").fill("so_wrong_key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("That API key is wrong, revoked or expired");
  await expect(page.getByLabel("API key")).toHaveValue("so_wrong_key");
  await screenshot(page, "sign-in-refused");
});

test("signing in keeps the key out of the URL and shows the role", async ({ page, keys, signIn }) => {
  await signIn(keys.planner);
  await expect(page.getByTestId("caller-role")).toHaveText("Planner");
  expect(page.url()).not.toContain(keys.planner);
  const stored = await page.evaluate(() => sessionStorage.getItem("shelfops.apiKey"));
  expect(stored).toBe(keys.planner);
});

test("a key revoked mid-session ends the session with a message", async ({ page, keys, signIn }) => {
  await signIn(keys.viewer);
  // Let the Overview finish its reads, so the next call is the one the test makes.
  await page.waitForLoadState("networkidle");
  // The tab's key stops working (as when it is revoked): the next call answers 401.
  await page.evaluate(() => sessionStorage.setItem("shelfops.apiKey", "so_revoked"));
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Models" }).click();
  await expect(page.getByRole("alert")).toContainText("session has ended");
  await expect(page.getByLabel("API key")).toBeVisible();
});
