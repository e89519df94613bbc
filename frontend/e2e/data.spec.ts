import { expect, screenshot, test } from "./fixtures";

type Run = { sync_id: string; integration_name: string; metadata: Record<string, number> | null };

test("the Data page shows sync health and the run log; the demo's ingest run expands to its report", async ({ page, keys, signIn, request }) => {
  await signIn(keys.viewer);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Data", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Data", exact: true })).toBeVisible();

  const health = page.getByRole("region", { name: "Sync health" });
  await expect(health.getByTestId("sync-overall")).toBeVisible();
  const sales = health.getByTestId("source-sales.csv");
  await expect(sales).toContainText("CSV ingest");
  await expect(sales).toContainText("SLA 1.0 h");

  // The demo's first ingest of inventory.csv: its report holds the rows it inserted.
  const response = await request.get("/api/v1/integrations/sync-log?source=inventory.csv&limit=50", {
    headers: { Authorization: `Bearer ${keys.viewer}` },
  });
  const runs = ((await response.json()) as { items: Run[] }).items;
  const demoRun = runs.at(-1)!;
  const inserted = demoRun.metadata!.inserted!;
  expect(inserted).toBeGreaterThan(0);

  const log = page.getByRole("region", { name: "Run log" });
  const row = log.getByTestId("run-row").filter({ hasText: "inventory.csv" }).last();
  await expect(row).toContainText("CSV ingest · inventory");
  await row.getByRole("button", { name: /Show the report of inventory\.csv/ }).click();
  const report = log.getByTestId("run-report");
  await expect(report).toBeVisible();
  await expect(report).toContainText("Inserted");
  await expect(report).toContainText(inserted.toLocaleString("en-US"));
  await expect(report).toContainText("Unchanged");
  await expect(row.getByRole("button", { name: /Hide the report/ })).toHaveAttribute("aria-expanded", "true");
  await screenshot(page, "data");
});

test("the run log filters by source and a rejected upload shows its problems", async ({ page, keys, signIn, request }) => {
  // A sales file with a negative quantity and an unknown product: rejected, nothing written, logged.
  const csv =
    "date,store_code,product_code,quantity,unit_price,promo_flag,discount_pct,on_hand_close\n" +
    "2026-01-02,S0001,P00001,-3,1.0,false,0,5\n" +
    "2026-01-02,S0001,PNOPE,3,1.0,false,0,5\n";
  const upload = await request.post("/api/v1/ingest/sales", {
    headers: { Authorization: `Bearer ${keys.admin}` },
    multipart: { file: { name: "e2e-data-bad-sales.csv", mimeType: "text/csv", buffer: Buffer.from(csv) } },
  });
  expect(upload.status()).toBe(422);

  await signIn(keys.viewer);
  await page.goto("/data");
  const log = page.getByRole("region", { name: "Run log" });
  await log.getByLabel("Source").selectOption("e2e-data-bad-sales.csv");
  await expect(log.getByTestId("run-row")).toHaveCount(1);
  await log.getByLabel("Outcome").selectOption("success");
  await expect(log).toContainText("No run matches these filters.");
  await log.getByLabel("Outcome").selectOption("rejected");

  const row = log.getByTestId("run-row");
  await expect(row).toContainText("rejected");
  await expect(row).toContainText("rejected, nothing written: 2 problem(s)");
  await row.getByRole("button", { name: /Show the report/ }).click();
  const problems = log.getByRole("table", { name: "Problems" });
  await expect(problems.getByRole("row").filter({ hasText: "row 1 (line 2)" })).toContainText("quantity");
  await expect(problems.getByRole("row").filter({ hasText: "row 2 (line 3)" })).toContainText("PNOPE");
  await expect(log.getByTestId("run-report")).toContainText("Problems per rule");

  await log.getByRole("button", { name: "Clear filters" }).click();
  await expect(log.getByLabel("Source")).toHaveValue("");
});
