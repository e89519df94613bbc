import { expect, screenshot, test } from "./fixtures";

test("a planner reads model health and history but cannot promote or roll back", async ({ page, keys, signIn }) => {
  await signIn(keys.planner);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Models", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Models", level: 1 })).toBeVisible();
  await expect(page.getByTestId("champion-version")).not.toBeEmpty();
  await expect(page.getByRole("heading", { name: "Version history" })).toBeVisible();
  await expect(page.getByText("Promotion and rollback need the ML manager or admin role.")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Promote/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Roll back/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Archive/ })).toHaveCount(0);
});

test("an ML manager reviews the evidence, promotes the challenger with a reason, then rolls back", async ({
  page,
  keys,
  signIn,
}) => {
  await signIn(keys.ml_manager);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Models", exact: true }).click();

  // Health: the demo's champion and the drift retrain's challenger.
  const champion = page.getByTestId("champion-version");
  const challenger = page.getByTestId("challenger-version");
  await expect(champion).toHaveText(/^v\d+$/);
  await expect(challenger).toHaveText(/^v\d+$/);
  const championBefore = (await champion.textContent())!;
  const challengerVersion = (await challenger.textContent())!;
  await expect(page.getByText("Live MAE, last 7 days")).toBeVisible();
  await expect(page.getByText(/eligible for promotion|not eligible/).first()).toBeVisible();

  // History: every version with the gate's decisions and their reasons.
  const challengerRow = page.getByTestId(`version-row-${challengerVersion}`);
  await expect(challengerRow.getByTestId(`decisions-${challengerVersion}`)).toContainText("by the promotion gate");
  await expect(page.getByTestId(`decisions-${championBefore}`)).toContainText(`${championBefore} promoted to champion by the promotion gate`);
  await expect(page.getByTestId(`decisions-${championBefore}`)).toContainText("beats the seasonal-naive baseline");

  // One version's backtest chart, feature importance and model card.
  await page.getByRole("button", { name: `View ${championBefore}` }).click();
  await expect(page).toHaveURL(new RegExp(`version=${championBefore}`));
  await expect(page.getByRole("heading", { name: `Backtest — ${championBefore}` })).toBeVisible();
  const chart = page.getByTestId("backtest-chart");
  await expect(chart.locator(".recharts-line path.recharts-curve").first()).toBeVisible();
  await expect(chart).toContainText("Weekly 90-day backtest");
  await page.getByLabel("Metric").selectOption("overstock_rate");
  await expect(chart.locator("figcaption")).toContainText("Overstock rate per forecast date");
  await expect(page.getByRole("heading", { name: `Feature importance — ${championBefore}` })).toBeVisible();
  // Either the top-20 bar chart or the plain-words reason it is missing.
  await expect(page.getByTestId("fi-chart").or(page.getByTestId("fi-unavailable"))).toBeVisible();
  const card = page.getByTestId("model-card");
  await expect(card.getByRole("heading", { name: `Model card — demand_forecast ${championBefore}` })).toBeVisible();
  await expect(card.getByRole("heading", { name: "Promotion decision" })).toBeVisible();
  await expect(card.locator("table").first()).toContainText("mae");
  await screenshot(page, "models");

  // A version without backtests says so.
  await page.getByRole("button", { name: `View ${challengerVersion}` }).click();
  await expect(page.getByText(`No backtest results for ${challengerVersion}`)).toBeVisible();

  // Promote the challenger: the reason is required; then it is champion (or the refusal is shown).
  await page.getByRole("button", { name: `Promote ${challengerVersion}` }).click();
  const dialog = page.getByTestId("decision-dialog");
  await expect(dialog.getByLabel(/Reason/)).toBeFocused();
  await expect(dialog.getByRole("button", { name: "Promote to champion" })).toBeDisabled();
  await dialog.getByLabel(/Reason/).fill("e2e: shadow run reviewed");
  await dialog.getByRole("button", { name: "Promote to champion" }).click();
  const promoted = page.getByRole("status").filter({ hasText: `${challengerVersion} is now the champion.` });
  const refused = dialog.getByRole("alert");
  await expect(promoted.or(refused)).toBeVisible();
  if (await refused.isVisible()) {
    // The registry refused: the reason is in plain words and what was typed is kept.
    await expect(refused).toContainText(/Not possible right now|Not allowed|Check your input/);
    await expect(dialog.getByLabel(/Reason/)).toHaveValue("e2e: shadow run reviewed");
    return;
  }
  await expect(champion).toHaveText(challengerVersion);
  await expect(page.getByTestId(`decisions-${challengerVersion}`)).toContainText(
    `${challengerVersion} promoted to champion by e2e ml_manager`,
  );
  await expect(page.getByTestId(`decisions-${challengerVersion}`)).toContainText("e2e: shadow run reviewed");

  // Roll back: the previous champion returns; Escape first closes the dialog untouched.
  await page.getByRole("button", { name: "Roll back champion" }).click();
  await expect(dialog.getByLabel(/Reason/)).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(champion).toHaveText(challengerVersion);
  await page.getByRole("button", { name: "Roll back champion" }).click();
  await dialog.getByLabel(/Reason/).fill("e2e: back to the proven model");
  await dialog.getByRole("button", { name: "Roll back" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Rolled back: ${championBefore} is the champion again.` })).toBeVisible();
  await expect(champion).toHaveText(championBefore);
  await expect(page.getByTestId(`decisions-${championBefore}`)).toContainText("made champion again by a rollback by e2e ml_manager");
  await expect(page.getByTestId(`decisions-${championBefore}`)).toContainText("e2e: back to the proven model");
});
