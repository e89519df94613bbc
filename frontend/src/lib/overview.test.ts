import { describe, expect, it } from "vitest";

import {
  accuracyRows,
  accuracySummary,
  alertRows,
  daysBetween,
  freshnessRows,
  isEmptyTenant,
  poTotals,
  syncStatusWords,
  topRiskItems,
  type AccuracyPoint,
  type RiskItem,
} from "./overview";

const point = (date: string, mae: number, series: number, coverage: number | null, wape: number | null = 0.3, stockout_days = 0): AccuracyPoint => ({
  date,
  series,
  mae,
  wape,
  bias: 0,
  coverage,
  stockout_days,
});

describe("accuracyRows", () => {
  it("keeps MAE, WAPE and coverage per date, oldest first even when sent shuffled", () => {
    const rows = accuracyRows([point("2026-12-04", 2, 10, 0.8, null, 2), point("2026-12-03", 3, 5, null)]);
    expect(rows).toEqual([
      { date: "2026-12-03", mae: 3, wape: 0.3, coverage: null, series: 5, bias: 0, stockout_days: 0 },
      { date: "2026-12-04", mae: 2, wape: null, coverage: 0.8, series: 10, bias: 0, stockout_days: 2 },
    ]);
  });
});

describe("accuracySummary", () => {
  it("is null without a scored date", () => {
    expect(accuracySummary([])).toBeNull();
  });

  it("compares the latest MAE with the mean of the earlier dates and weights coverage by rows", () => {
    // Earlier MAEs 2 and 4 → mean 3; latest 2.4 → 2.4 / 3 − 1 = −0.2.
    // Coverage: (0.5·10 + 0.9·30) / (10 + 30) = 32 / 40 = 0.8 (the null day is left out).
    const summary = accuracySummary([
      point("2026-12-01", 2, 10, 0.5),
      point("2026-12-02", 4, 99, null),
      point("2026-12-03", 2.4, 30, 0.9),
    ]);
    expect(summary?.latest.date).toBe("2026-12-03");
    expect(summary?.maeChange).toBeCloseTo(-0.2, 10);
    expect(summary?.coverage).toBeCloseTo(0.8, 10);
    expect(summary?.days).toBe(3);
  });

  it("has no change with a single date", () => {
    expect(accuracySummary([point("2026-12-01", 2, 10, null)])).toMatchObject({ maeChange: null, coverage: null, days: 1 });
  });
});

describe("topRiskItems", () => {
  const item = (policy_id: number, status: string, dos: number | null, product = "P1", store = "S1"): RiskItem => ({
    policy_id,
    store_code: store,
    product_code: product,
    product_name: product,
    stock_status: status,
    days_of_supply: dos,
    on_hand: 0,
    recommended_quantity: 0,
  });

  it("puts out-of-stock first, then fewest days of supply, drops duplicates and keeps the limit", () => {
    const picked = topRiskItems(
      [item(1, "critical", 0.5), item(2, "critical", null), item(3, "out_of_stock", 0), item(4, "critical", 0.2), item(3, "out_of_stock", 0)],
      3,
    );
    expect(picked.map((i) => i.policy_id)).toEqual([3, 4, 1]);
  });

  it("breaks ties by product then store code", () => {
    const picked = topRiskItems([item(1, "critical", 1, "P2", "S1"), item(2, "critical", 1, "P1", "S2"), item(3, "critical", 1, "P1", "S1")]);
    expect(picked.map((i) => i.policy_id)).toEqual([3, 2, 1]);
  });
});

describe("poTotals", () => {
  it("sums the known costs, counts unpriced orders and says when only a page was summed", () => {
    expect(poTotals([{ total_cost: 100.5 }, { total_cost: null }, { total_cost: 20 }], 3)).toEqual({
      count: 3,
      value: 120.5,
      unpriced: 1,
      partial: false,
    });
    expect(poTotals([{ total_cost: 10 }], 7)).toMatchObject({ count: 7, value: 10, partial: true });
  });

  it("is zero with no orders", () => {
    expect(poTotals([], 0)).toEqual({ count: 0, value: 0, unpriced: 0, partial: false });
  });
});

describe("alertRows", () => {
  it("lists critical, warning, info with stock, ML and totals; missing counts are zero", () => {
    const result = alertRows({ critical: 3, warning: 5 }, { critical: 1, warning: 2, info: 1 });
    expect(result.rows).toEqual([
      { severity: "critical", stock: 3, ml: 1, total: 4 },
      { severity: "warning", stock: 5, ml: 2, total: 7 },
      { severity: "info", stock: 0, ml: 1, total: 1 },
    ]);
    expect(result).toMatchObject({ stock: 8, ml: 4, total: 12 });
  });
});

describe("daysBetween", () => {
  it("counts calendar days across a month end", () => {
    expect(daysBetween("2026-11-30", "2026-12-02")).toBe(2);
    expect(daysBetween("2026-12-02", "2026-11-30")).toBe(-2);
  });
});

describe("freshnessRows", () => {
  const checked = "2026-12-05T12:00:00Z";

  it("calls everything fresh when yesterday's sales are in, forecast the next day and scored", () => {
    const rows = freshnessRows({
      latest_sales_date: "2026-12-04",
      latest_issue_date: "2026-12-05",
      latest_forecast_date: "2026-12-18",
      latest_accuracy_date: "2026-12-04",
      checked_at: checked,
    });
    expect(rows.map((r) => [r.key, r.status, r.lagDays])).toEqual([
      ["sales", "fresh", 0],
      ["forecasts", "fresh", 0],
      ["accuracy", "fresh", 0],
    ]);
    expect(rows[0]?.words).toBe("Up to 2026-12-04 (1 day ago).");
    expect(rows[1]?.words).toBe("Issued 2026-12-05, covering up to 2026-12-18.");
  });

  it("counts the days each step is behind", () => {
    // Sales 4 days old (3 past the grace day); forecast issued on the sales day (1 newer day unused);
    // accuracy 3 days before the sales (2 behind, one day of lag being normal).
    const rows = freshnessRows({
      latest_sales_date: "2026-12-01",
      latest_issue_date: "2026-12-01",
      latest_forecast_date: null,
      latest_accuracy_date: "2026-11-28",
      checked_at: checked,
    });
    expect(rows.map((r) => [r.status, r.lagDays])).toEqual([
      ["stale", 3],
      ["stale", 1],
      ["stale", 2],
    ]);
    expect(rows[1]?.words).toBe("Issued 2026-12-01: 1 day of newer sales not forecast from yet.");
    expect(rows[2]?.words).toBe("Scored up to 2026-11-28: 2 days behind the sales.");
  });

  it("says what is missing on an empty tenant", () => {
    const rows = freshnessRows({
      latest_sales_date: null,
      latest_issue_date: null,
      latest_forecast_date: null,
      latest_accuracy_date: null,
      checked_at: checked,
    });
    expect(rows.map((r) => r.status)).toEqual(["missing", "missing", "missing"]);
    expect(rows[0]?.words).toBe("No sales loaded yet.");
  });
});

describe("syncStatusWords", () => {
  it("puts each overall status in words and falls back to the raw word", () => {
    expect(syncStatusWords("breached")).toBe("A source is past its SLA");
    expect(syncStatusWords("no_sources")).toBe("No data sources yet");
    expect(syncStatusWords("some_new_state")).toBe("some new state");
  });
});

describe("isEmptyTenant", () => {
  it("is empty only when every loaded answer says so", () => {
    expect(isEmptyTenant({})).toBe(false);
    expect(isEmptyTenant({ syncStatus: "no_sources" })).toBe(true);
    expect(isEmptyTenant({ syncStatus: "no_sources", latestSalesDate: null, inventoryItems: 0 })).toBe(true);
    expect(isEmptyTenant({ syncStatus: "no_sources", latestSalesDate: "2026-12-04" })).toBe(false);
    expect(isEmptyTenant({ syncStatus: "ok", inventoryItems: 0 })).toBe(false);
  });
});
