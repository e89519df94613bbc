import { expect, screenshot, test } from "./fixtures";

/** A GET of the API with `key`, to check the page against the server's own numbers. */
async function apiGet<T>(request: import("@playwright/test").APIRequestContext, key: string, path: string): Promise<T> {
  const response = await request.get(path, { headers: { Authorization: `Bearer ${key}` } });
  expect(response.ok()).toBeTruthy();
  return (await response.json()) as T;
}

const card = (page: import("@playwright/test").Page, title: string) => page.getByRole("region", { name: title });

test("a planner sees every Overview card with the server's numbers", async ({ page, keys, signIn, request }) => {
  await signIn(keys.planner);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();

  // Accuracy: the chart draws its lines, and the headline MAE is the latest scored date's.
  const trend = await apiGet<{ date: string; mae: number }[]>(request, keys.planner, "/api/v1/forecasts/accuracy-trend?days=30");
  expect(trend.length).toBeGreaterThan(0);
  const latest = trend.at(-1)!;
  const accuracy = card(page, "Forecast accuracy");
  await expect(accuracy.getByTestId("accuracy-chart").locator(".recharts-line-curve")).toHaveCount(3);
  await expect(accuracy).toContainText(`MAE on ${latest.date}`);
  await expect(accuracy).toContainText(new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 }).format(latest.mae));

  // Stock-out risk: the summary's counts and the most urgent item first.
  const summary = await apiGet<{ by_status: Record<string, number> }>(request, keys.planner, "/api/v1/inventory/summary");
  const risk = card(page, "Stock-out risk");
  await expect(risk.getByTestId("risk-counts")).toContainText(`${summary.by_status.out_of_stock}Out of stock`);
  await expect(risk.getByTestId("risk-counts")).toContainText(`${summary.by_status.critical}Critical`);
  const urgent = risk.getByRole("table", { name: "Most urgent items" }).getByRole("row");
  await expect(urgent.nth(1)).toContainText((summary.by_status.out_of_stock ?? 0) > 0 ? "out of stock" : "critical");
  await expect(risk.getByRole("link", { name: "Open replenishment" })).toHaveAttribute("href", "/replenishment");

  // Suggested orders: count and total value.
  const pos = await apiGet<{ total: number; items: { total_cost: number | null }[] }>(
    request,
    keys.planner,
    "/api/v1/purchase-orders/suggested?limit=500",
  );
  expect(pos.total).toBeGreaterThan(0);
  const value = pos.items.reduce((sum, po) => sum + (po.total_cost ?? 0), 0);
  const orders = card(page, "Suggested orders").getByTestId("orders-totals");
  await expect(orders).toContainText(`${pos.total}Orders waiting`);
  await expect(orders).toContainText(`$${Math.round(value).toLocaleString("en-US")}`);

  // Alerts: ML unread by severity and open stock alerts.
  const ml = await apiGet<{ unread: Record<string, number> }>(request, keys.planner, "/api/v1/ml-alerts/stats");
  const stockCritical = await apiGet<{ total: number }>(
    request,
    keys.planner,
    "/api/v1/alerts?status=open&status=acknowledged&severity=critical&limit=1",
  );
  const alerts = card(page, "Open alerts");
  await expect(alerts.getByTestId("alerts-critical").getByRole("cell").nth(1)).toHaveText(String(stockCritical.total));
  await expect(alerts.getByTestId("alerts-critical").getByRole("cell").nth(2)).toHaveText(String(ml.unread.critical ?? 0));
  await expect(alerts.getByRole("link", { name: "Open alerts" })).toHaveAttribute("href", "/alerts");

  // Champion and its health.
  const health = await apiGet<{ champion: { version: string; status: string } }>(request, keys.planner, "/api/v1/models/health");
  const champion = card(page, "Champion model");
  await expect(champion.getByTestId("champion")).toContainText(health.champion.version);
  await expect(champion.getByTestId("champion")).toContainText(health.champion.status.replaceAll("_", " "));

  // Freshness: the sync sources and the forecast pipeline.
  const freshness = await apiGet<{ latest_sales_date: string; latest_issue_date: string }>(request, keys.planner, "/api/v1/forecasts/freshness");
  const fresh = card(page, "Data freshness");
  await expect(fresh.getByTestId("sync-overall")).toBeVisible();
  await expect(fresh.getByRole("list", { name: "Sources" })).toContainText("sales.csv");
  await expect(fresh.getByTestId("freshness-sales")).toContainText(freshness.latest_sales_date);
  await expect(fresh.getByTestId("freshness-forecasts")).toContainText(`Issued ${freshness.latest_issue_date}`);

  await expect(page.getByTestId("empty-tenant")).toHaveCount(0);
  await screenshot(page, "overview");
});

test("an empty tenant sees how to load data on every card", async ({ page, keys, signIn }) => {
  await signIn(keys.empty_admin);
  await expect(page.getByTestId("empty-tenant")).toContainText("shelfops ingest");
  await expect(page.getByTestId("empty-tenant")).toContainText("shelfops onboard");
  await expect(card(page, "Forecast accuracy")).toContainText("No scored forecasts yet");
  await expect(card(page, "Stock-out risk")).toContainText("No inventory plan yet");
  await expect(card(page, "Suggested orders")).toContainText("No suggested orders waiting");
  await expect(card(page, "Open alerts")).toContainText("No open alerts");
  await expect(card(page, "Champion model")).toContainText("No champion model yet");
  await expect(card(page, "Data freshness")).toContainText("No data sources yet");
  await expect(card(page, "Data freshness")).toContainText("No sales loaded yet.");
  await screenshot(page, "overview-empty");
});

test("one failing endpoint leaves the other cards working", async ({ page, keys, signIn }) => {
  await page.route("**/api/v1/models/health*", (route) =>
    route.fulfill({ status: 500, contentType: "application/json", body: JSON.stringify({ error: "InternalError", detail: null }) }),
  );
  await signIn(keys.viewer);
  await expect(card(page, "Champion model").getByRole("alert")).toContainText("Server error", { timeout: 20_000 });
  await expect(card(page, "Stock-out risk").getByTestId("risk-counts")).toBeVisible();
  await expect(card(page, "Forecast accuracy").getByTestId("accuracy-chart")).toBeVisible();
  await expect(card(page, "Suggested orders").getByTestId("orders-totals")).toBeVisible();
});

test("when the API cannot be reached each card says so in plain words, and recovers", async ({ page, keys, signIn }) => {
  await signIn(keys.planner);
  await expect(card(page, "Champion model").getByTestId("champion")).toBeVisible();
  await expect(page.getByRole("button", { name: "Refresh" })).toBeEnabled();

  await page.route("**/api/v1/**", (route) => route.abort());
  await page.getByRole("button", { name: "Refresh" }).click();
  for (const title of ["Forecast accuracy", "Stock-out risk", "Suggested orders", "Open alerts", "Champion model", "Data freshness"]) {
    await expect(card(page, title).getByRole("alert").first()).toContainText("Cannot reach ShelfOps", { timeout: 20_000 });
  }
  await expect(card(page, "Champion model").getByRole("alert")).toContainText("Check your network");
  await screenshot(page, "overview-offline");

  await page.unroute("**/api/v1/**");
  await card(page, "Champion model").getByRole("button", { name: "Try again" }).click();
  await expect(card(page, "Champion model").getByTestId("champion")).toBeVisible();
});
