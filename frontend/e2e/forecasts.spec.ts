import type { APIRequestContext } from "@playwright/test";

import { expect, screenshot, test } from "./fixtures";

interface Series {
  storeCode: string;
  productCode: string;
  /** Whether the champion forecasts the series with a blend of models (200 answers only). */
  blended: boolean;
}

/**
 * The first demo series (store S0002) whose second forecast day's explanation answers
 * `status`: 200 for a series the champion forecasts with a tree model (alone or in a
 * blend), 409 for one it forecasts without any. Which series get which model is the
 * champion's own choice on the day's generated data, so the test asks the API instead of
 * naming a product.
 */
async function findSeries(request: APIRequestContext, key: string, status: 200 | 409): Promise<Series | null> {
  const headers = { Authorization: `Bearer ${key}` };
  const stores = await (await request.get("/api/v1/stores?q=S0002", { headers })).json();
  const store = stores.items[0];
  const products = await (await request.get("/api/v1/products?limit=100", { headers })).json();
  for (const product of products.items) {
    const query = `store_id=${store.store_id}&product_id=${product.product_id}`;
    const series = await (await request.get(`/api/v1/forecasts/series?${query}`, { headers })).json();
    const day = series.forecast?.[1]?.date;
    if (!day) continue;
    const answer = await request.get(`/api/v1/forecasts/explanation?${query}&date=${day}`, { headers });
    if (answer.status() !== status) continue;
    const blended = status === 200 && (await answer.json()).blend.length > 1;
    return { storeCode: store.store_code, productCode: product.product_code, blended };
  }
  return null;
}

test("a planner picks a store and a product, sees the forecast band and explains a day", async ({ page, keys, signIn }) => {
  // Which model forecasts which series is the champion's own choice on the day's generated
  // data (the history ends yesterday); a series it forecasts without any tree model has no
  // SHAP explanation (the 409 test below covers that case).
  const explainable = await findSeries(page.request, keys.planner, 200);
  test.skip(explainable === null, "today's demo champion forecasts no S0002 series with a tree model");
  const code = explainable!.productCode;
  await signIn(keys.planner);
  await page.getByRole("link", { name: "Forecasts" }).click();
  await expect(page.getByRole("heading", { name: "Forecasts", level: 1 })).toBeVisible();
  await expect(page.getByText("Pick a store and a product")).toBeVisible();

  // A demo store, and a product found by searching its code.
  const store = page.getByRole("combobox", { name: "Store", exact: true });
  await store.selectOption((await store.locator("option", { hasText: "(S0002)" }).getAttribute("value"))!);
  await page.getByLabel("Search products").fill(code);
  const product = page.getByRole("combobox", { name: "Product", exact: true });
  const match = product.locator("option", { hasText: `(${code})` });
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
  // A blended forecast says what each model contributed and which one is explained.
  await expect(explanation.getByTestId("forecast-blend")).toHaveCount(explainable!.blended ? 1 : 0);
  // At least one feature row (header row + contributions).
  expect(await explanation.getByRole("row").count()).toBeGreaterThan(1);
  await expect(page.getByRole("table", { name: "Recent actuals against forecast" }).or(page.getByText("No forecast day of this series has its sales yet"))).toBeVisible();
  await page.mouse.move(0, 0); // no chart tooltip in the screenshot
  await screenshot(page, "forecasts");

  // A bookmarked URL opens the same series and day.
  await page.reload();
  await expect(page.getByRole("combobox", { name: "Store", exact: true })).not.toHaveValue("");
  await expect(page.getByRole("combobox", { name: "Product", exact: true }).locator("option:checked")).toContainText(`(${code})`);
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

test("a forecast the champion made without a tree model says in plain words why it has no explanation", async ({ page, keys, signIn }) => {
  // A series the champion forecasts with local models only (e.g. TSB + moving average),
  // which SHAP cannot explain (409). Champions with a tree model in every blend have none.
  const local = await findSeries(page.request, keys.viewer, 409);
  test.skip(local === null, "today's demo champion forecasts every S0002 series with a tree model");
  const code = local!.productCode;
  await signIn(keys.viewer);
  await page.goto("/forecasts");
  const store = page.getByRole("combobox", { name: "Store", exact: true });
  await store.selectOption((await store.locator("option", { hasText: "(S0002)" }).getAttribute("value"))!);
  await page.getByLabel("Search products").fill(code);
  const product = page.getByRole("combobox", { name: "Product", exact: true });
  const match = product.locator("option", { hasText: `(${code})` });
  await expect(match).toHaveCount(1);
  await product.selectOption((await match.getAttribute("value"))!);
  await page.getByRole("combobox", { name: "Forecast day to explain" }).selectOption({ index: 1 });
  const problem = page.getByRole("alert");
  await expect(problem).toContainText("No explanation for this forecast", { timeout: 45_000 });
  await expect(problem).toContainText("forecasts this series without a tree model");
  await expect(page.getByRole("button", { name: "Try again" })).toHaveCount(0);
});
