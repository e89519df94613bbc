import { expect, screenshot, test } from "./fixtures";

test("an ML manager marks an ML alert as read, then approves it with a note", async ({ page, keys, signIn }) => {
  await signIn(keys.ml_manager);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Alerts" }).click();
  await page.getByRole("tab", { name: "ML alerts" }).click();
  await expect(page.getByRole("tab", { name: "ML alerts" })).toHaveAttribute("aria-selected", "true");
  const unreadBefore = Number(await page.getByTestId("ml-unread-total").textContent());

  // Unread alerts only; the least severe one (last) is not the drift alert, whose approval promotes a model.
  await page.getByLabel("Status").selectOption("unread");
  const rows = page.getByRole("table", { name: "ML alerts" }).locator("tbody tr");
  await expect(rows).toHaveCount(unreadBefore);
  await expect(rows.filter({ hasNotText: "Unread" })).toHaveCount(0);
  const last = rows.last();
  const title = (await last.getByRole("button").textContent())!.trim();
  await last.getByRole("button").click();

  const detail = page.getByTestId("ml-alert-detail");
  await expect(detail.getByRole("heading", { name: title })).toBeVisible();
  await expect(detail.getByTestId("ml-alert-status")).toHaveText("Unread");
  await detail.getByRole("button", { name: "Mark as read" }).click();
  await expect(detail.getByTestId("ml-alert-status")).toHaveText("Read");
  await expect(page.getByTestId("ml-unread-total")).toHaveText(String(unreadBefore - 1));
  await expect(detail.getByRole("button", { name: "Mark as read" })).toHaveCount(0);

  await detail.getByLabel(/^Notes/).fill("Reviewed the backtest with the team");
  await detail.getByRole("button", { name: "Approve" }).click();
  await expect(detail.getByTestId("ml-alert-status")).toHaveText("Approved");
  await expect(detail.getByRole("status")).toContainText("Approved.");
  await expect(detail).toContainText("Notes: Reviewed the backtest with the team");
  await expect(detail).toContainText("by e2e ml_manager");
  // Final: no more actions.
  await expect(detail.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(detail.getByRole("button", { name: "Dismiss" })).toHaveCount(0);
  await screenshot(page, "alerts");
});

test("a planner acknowledges, then resolves a stock alert", async ({ page, keys, signIn }) => {
  await signIn(keys.planner);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Alerts" }).click();
  await expect(page.getByRole("tab", { name: "Stock alerts" })).toHaveAttribute("aria-selected", "true");

  // Warnings only; take the first open one.
  await page.getByLabel("Severity").selectOption("warning");
  await page.getByLabel("Status").selectOption("open");
  const rows = page.getByRole("table", { name: "Stock alerts" }).locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  await expect(rows.filter({ hasNotText: "warning" })).toHaveCount(0);
  const alertId = (await rows.first().getAttribute("data-alert-id"))!;
  const row = page.locator(`tr[data-alert-id="${alertId}"]`);
  await rows.first().getByRole("button").click();

  const detail = page.getByTestId("stock-alert-detail");
  await expect(detail.getByTestId("stock-alert-status")).toHaveText("Open");
  await detail.getByRole("button", { name: "Acknowledge" }).click();
  await expect(detail.getByTestId("stock-alert-status")).toHaveText("Acknowledged");
  await expect(detail.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);
  // It left the list of open alerts.
  await expect(row).toHaveCount(0);

  await detail.getByLabel(/^Notes/).fill("Shelf restocked from the back room");
  await detail.getByRole("button", { name: "Resolve" }).click();
  await expect(detail.getByTestId("stock-alert-status")).toHaveText("Resolved");
  await expect(detail.getByRole("status")).toHaveText("Alert resolved.");
  await expect(detail.getByRole("button", { name: "Dismiss" })).toHaveCount(0);

  await page.getByLabel("Status").selectOption("resolved");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Resolved");
});

test("a viewer may mark ML alerts as read but sees no other alert actions", async ({ page, keys, signIn }) => {
  await signIn(keys.viewer);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Alerts" }).click();
  const stockRows = page.getByRole("table", { name: "Stock alerts" }).locator("tbody tr");
  await stockRows.first().getByRole("button").click();
  await expect(page.getByTestId("stock-alert-detail")).toContainText("A planner acknowledges");
  await expect(page.getByRole("button", { name: /Acknowledge|Resolve/ })).toHaveCount(0);

  await page.getByRole("tab", { name: "ML alerts" }).click();
  await page.getByLabel("Status").selectOption("unread");
  await page.getByRole("table", { name: "ML alerts" }).locator("tbody tr").first().getByRole("button").click();
  const detail = page.getByTestId("ml-alert-detail");
  await expect(detail.getByRole("button", { name: "Mark as read" })).toBeVisible();
  await expect(detail.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(detail).toContainText("An ML manager or admin approves or dismisses this alert.");
});
