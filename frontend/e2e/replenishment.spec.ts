import type { Page } from "@playwright/test";

import { expect, screenshot, test } from "./fixtures";

async function openReplenishment(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Replenishment" }).click();
  await expect(page.getByRole("heading", { name: "Replenishment", level: 1 })).toBeVisible();
}

/** The PO numbers of the suggested worklist, in its order. */
async function suggestedOrders(page: Page): Promise<string[]> {
  const orders = page.getByRole("table", { name: "Purchase orders" });
  await expect(orders.getByRole("button", { name: /^Open / }).first()).toBeVisible();
  return (await orders.getByRole("button", { name: /^Open / }).allTextContents()).map((text) => text.trim());
}

async function openOrder(page: Page, poNumber: string) {
  await page.getByRole("button", { name: `Open ${poNumber}` }).click();
  const detail = page.getByTestId("order-detail");
  await expect(page.getByRole("heading", { name: poNumber, exact: true })).toBeVisible();
  return detail;
}

function money(text: string): number {
  return Number(text.replace(/[$,]/g, ""));
}

test("a planner filters, sorts and searches the inventory", async ({ page, keys, signIn }) => {
  await signIn(keys.planner);
  await openReplenishment(page);
  const rows = page.getByRole("table", { name: "Inventory" }).locator("tbody tr");
  await expect(rows.first()).toBeVisible();

  // Filter: only critical items, as many as the summary counts.
  const critical = Number(await page.getByTestId("count-critical").textContent());
  expect(critical).toBeGreaterThan(0);
  await page.getByLabel("Stock status").selectOption("critical");
  await expect(rows).toHaveCount(Math.min(critical, 25));
  await expect(rows.filter({ hasNotText: "Critical" })).toHaveCount(0);

  // Sort by value: largest first, then smallest first on a second click.
  const valueHeader = page.getByRole("columnheader", { name: /Value/ });
  await valueHeader.getByRole("button").click();
  await expect(valueHeader).toHaveAttribute("aria-sort", "descending");
  await expect(page.getByText("Updating…")).toHaveCount(0);
  const descending = (await rows.locator("td:last-child").allTextContents()).map(money);
  expect(descending).toEqual([...descending].sort((a, b) => b - a));
  await valueHeader.getByRole("button").click();
  await expect(valueHeader).toHaveAttribute("aria-sort", "ascending");
  await expect(page.getByText("Updating…")).toHaveCount(0);
  const ascending = (await rows.locator("td:last-child").allTextContents()).map(money);
  expect(ascending).toEqual([...ascending].sort((a, b) => a - b));

  // Search: one product's code finds only its rows.
  await page.getByLabel("Stock status").selectOption("");
  const code = (await rows.first().locator("td").nth(1).locator("strong").textContent())!.trim();
  await page.getByLabel("Search product").fill(code);
  await expect(rows.filter({ hasNotText: code })).toHaveCount(0);
  await expect(rows.first()).toContainText(code);
  await page.getByLabel("Search product").fill("no such product zzz");
  await expect(page.getByText("No store × product matches this status and search.")).toBeVisible();
});

test("a planner approves, edits, rejects and receives suggested orders", async ({ page, keys, signIn }) => {
  await signIn(keys.planner);
  await openReplenishment(page);
  const [approveNo, editNo, rejectNo] = await suggestedOrders(page);
  expect(rejectNo).toBeTruthy();

  // Approve as suggested.
  let detail = await openOrder(page, approveNo!);
  await expect(detail.getByTestId("po-status")).toHaveText("Suggested");
  await detail.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(detail.getByTestId("po-status")).toHaveText("Approved");
  await expect(detail.getByRole("status")).toContainText("is now approved");
  await expect(detail.getByRole("list", { name: "Decisions" })).toContainText("by e2e planner");
  // It left the suggested worklist.
  await expect(page.getByRole("button", { name: `Open ${approveNo}` })).toHaveCount(0);

  // Edit: double the first line's quantity (a multiple of its pack size); first without a reason.
  detail = await openOrder(page, editNo!);
  const quantity = detail.getByLabel(/^Quantity of /).first();
  const doubled = String(Number(await quantity.inputValue()) * 2);
  await quantity.fill(doubled);
  await detail.getByRole("button", { name: "Approve with changes" }).click();
  await expect(detail.getByRole("alert")).toContainText("Choose a reason code: the quantities were changed.");
  await expect(quantity).toHaveValue(doubled);
  await detail.getByLabel(/^Reason code/).selectOption("promotion");
  await detail.getByRole("button", { name: "Approve with changes" }).click();
  await expect(detail.getByTestId("po-status")).toHaveText("Approved with changes");
  const history = detail.getByRole("list", { name: "Decisions" });
  await expect(history).toContainText("Reason: Promotion");
  await expect(history).toContainText(`→ ${doubled}`);

  // Reject with a reason (and first without one).
  detail = await openOrder(page, rejectNo!);
  await detail.getByRole("button", { name: "Reject" }).click();
  await expect(detail.getByRole("alert")).toContainText("Choose a reason code to reject the order.");
  await detail.getByLabel(/^Reason code/).selectOption("budget");
  await detail.getByLabel(/^Notes/).fill("Over this week's budget");
  await detail.getByRole("button", { name: "Reject" }).click();
  await expect(detail.getByTestId("po-status")).toHaveText("Rejected");
  await expect(detail.getByRole("list", { name: "Decisions" })).toContainText("Notes: Over this week's budget");

  // Receive the approved order with one unit short on its first line.
  await page.getByRole("button", { name: "To receive" }).click();
  detail = await openOrder(page, approveNo!);
  const received = detail.getByLabel(/^Received of /).first();
  const ordered = Number(await received.inputValue());
  await received.fill(String(ordered - 1));
  await expect(detail.getByTestId("receipt-discrepancy")).toHaveText("Discrepancy: 1 unit short of the order.");
  await detail.getByRole("button", { name: "Record receipt" }).click();
  await expect(detail.getByTestId("po-status")).toHaveText("Received");
  await expect(detail.getByRole("status")).toContainText("1 unit short");
  await expect(detail.getByTestId("po-discrepancy")).toHaveText("Discrepancy: 1 unit short of the order.");
  await expect(detail.getByRole("list", { name: "Decisions" })).toContainText(`${ordered - 1} of ${ordered} received (1 short)`);
  await screenshot(page, "replenishment");
});

test("a viewer reads orders but sees no approve or reject buttons", async ({ page, keys, signIn }) => {
  await signIn(keys.viewer);
  await openReplenishment(page);
  const [first] = await suggestedOrders(page);
  const detail = await openOrder(page, first!);
  await expect(detail.getByRole("table", { name: "Order lines" })).toBeVisible();
  await expect(detail.getByRole("list", { name: "Decisions" }).or(detail.getByText("No decision yet"))).toBeVisible();
  await expect(page.getByRole("button", { name: /^Approve/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Reject", exact: true })).toHaveCount(0);
  await expect(detail.getByLabel(/^Quantity of /)).toHaveCount(0);
});

test("a key lowered to viewer mid-session gets a plain-words 403 and keeps its input", async ({ page, keys, signIn }) => {
  await signIn(keys.admin);
  await openReplenishment(page);
  const orders = await suggestedOrders(page);
  const detail = await openOrder(page, orders[orders.length - 1]!);
  await detail.getByLabel(/^Notes/).fill("Checked with the store manager");
  // An admin lowers this key's role while the tab is open.
  await page.evaluate((viewerKey) => sessionStorage.setItem("shelfops.apiKey", viewerKey), keys.viewer);
  await detail.getByRole("button", { name: "Approve", exact: true }).click();
  const alert = detail.getByRole("alert");
  await expect(alert).toContainText("Not allowed");
  await expect(alert).toContainText("Your role does not allow this.");
  await expect(detail.getByLabel(/^Notes/)).toHaveValue("Checked with the store manager");
  await expect(detail.getByTestId("po-status")).toHaveText("Suggested");
});
