import { expect, screenshot, test } from "./fixtures";

test("a planner picks a store and a product, sees the forecast band and explains a day", async ({ page, keys, signIn }) => {
  await signIn(keys.planner);
  await page.getByRole("link", { name: "Forecasts" }).click();
  await expect(page.getByRole("heading", { name: "Forecasts", level: 1 })).toBeVisible();
  await expect(page.getByText("Pick a store and a product")).toBeVisible();

  // A demo store, and a product found by searching its code. P00029 sells on about half
  // the days at S0002: an intermittent series, which the demo champion forecasts with
  // LightGBM alone (smooth series get a blend, which has no SHAP explanation).
  const store = page.getByRole("combobox", { name: "Store", exact: true });
  await store.selectOption((await store.locator("option", { hasText: "(S0002)" }).getAttribute("value"))!);
  await page.getByLabel("Search products").fill("P00029");
  const product = page.getByRole("combobox", { name: "Product", exact: true });
  const match = product.locator("option", { hasText: "(P00029)" });
  await expect(match).toHaveCount(1);
  await expect(page.getByText("1 product", { exact: true })).toBeVisible();
  await product.selectOption((await match.getAttribute("value"))!);

  // The choice is in the URL (bookmarkable); the key is not.
  await expect(page).toHaveURL(/[?&]store=\d+/);
  await expect(page).toHaveURL(/[?&]product=\d+/);
  expect(page.url()).not.toContain(keys.planner);

  const chart = page.getByRole("figure", { name: /Daily units sold and forecast/ });
  await expect(chart).toBeVisible();
  await expect(chart.getByText("Forecast mean")).toBeVisible();
  await expect(chart.getByText("80% band (10th–90th percentile)").first()).toBeVisible();
  await expect(chart.locator(".recharts-area-area")).toHaveCount(1);

  // Clicking the chart's last day (a forecast day) chooses it for the explanation.
  const day = page.getByRole("combobox", { name: "Forecast day to explain" });
  const lastDay = await day.locator("option").last().getAttribute("value");
  const plot = chart.locator(".recharts-cartesian-grid");
  const box = (await plot.boundingBox())!;
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
  await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
  await expect(day).toHaveValue(lastDay!);
  await expect(chart.getByText(`${lastDay} · forecast day`)).toBeVisible(); // the hovered day's tooltip

  // Choosing a forecast day with the keyboard-usable select loads its SHAP explanation.
  const chosenDay = (await day.locator("option").nth(1).getAttribute("value"))!;
  expect(chosenDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(chosenDay).not.toBe(lastDay);
  await day.selectOption(chosenDay);
  await expect(day).toHaveValue(chosenDay);
  await expect(page).toHaveURL(new RegExp(`[?&]day=${chosenDay}`));
  const explanation = page.getByTestId("forecast-explanation");
  await expect(explanation).toBeVisible({ timeout: 45_000 });
  await expect(explanation.getByText(`Forecast for ${chosenDay}`)).toBeVisible();
  await expect(explanation.getByText("Base value")).toBeVisible();
  // At least one feature row (header row + contributions).
  expect(await explanation.getByRole("row").count()).toBeGreaterThan(1);
  await expect(page.getByRole("table", { name: "Recent actuals against forecast" }).or(page.getByText("No forecast day of this series has its sales yet"))).toBeVisible();
  await page.mouse.move(0, 0); // no chart tooltip in the screenshot
  await screenshot(page, "forecasts");

  // A bookmarked URL opens the same series and day.
  await page.reload();
  await expect(page.getByRole("combobox", { name: "Store", exact: true })).not.toHaveValue("");
  await expect(page.getByRole("combobox", { name: "Product", exact: true }).locator("option:checked")).toContainText("(P00029)");
  await expect(page.getByRole("combobox", { name: "Forecast day to explain" })).toHaveValue(chosenDay);
  await expect(page.getByTestId("forecast-explanation")).toBeVisible({ timeout: 45_000 });
});

test("a tenant without stores or products sees how to get started", async ({ page, keys, signIn }) => {
  await signIn(keys.empty_admin);
  await page.getByRole("link", { name: "Forecasts" }).click();
  await expect(page.getByText("No stores or products yet.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Data", exact: true }).last()).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Store", exact: true })).toHaveCount(0);
  await screenshot(page, "forecasts-empty");
});

test("a forecast the champion made with a blend says in plain words why it has no explanation", async ({ page, keys, signIn }) => {
  await signIn(keys.viewer);
  // P00004 sells almost every day at S0002: a smooth series, forecast by a LightGBM +
  // moving-average blend, which SHAP cannot explain (409).
  await page.goto("/forecasts");
  const store = page.getByRole("combobox", { name: "Store", exact: true });
  await store.selectOption((await store.locator("option", { hasText: "(S0002)" }).getAttribute("value"))!);
  await page.getByLabel("Search products").fill("P00004");
  const product = page.getByRole("combobox", { name: "Product", exact: true });
  const match = product.locator("option", { hasText: "(P00004)" });
  await expect(match).toHaveCount(1);
  await product.selectOption((await match.getAttribute("value"))!);
  await page.getByRole("combobox", { name: "Forecast day to explain" }).selectOption({ index: 1 });
  const problem = page.getByRole("alert");
  await expect(problem).toContainText("No explanation for this forecast", { timeout: 45_000 });
  await expect(problem).toContainText("not forecast this series with a single tree model");
  await expect(page.getByRole("button", { name: "Try again" })).toHaveCount(0);
});
