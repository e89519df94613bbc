import { describe, expect, it } from "vitest";

import {
  alertFacts,
  alertTypeWord,
  DEFAULT_ML_ALERT_FILTERS,
  DEFAULT_STOCK_ALERT_FILTERS,
  mlAlertActions,
  mlAlertQuery,
  mlAlertStatusWord,
  stockAlertActions,
  stockAlertQuery,
  unreadBySeverity,
} from "./alerts";

describe("stock alert status flow", () => {
  it("lets an open alert be acknowledged, resolved or dismissed", () => {
    expect(stockAlertActions("open")).toEqual(["acknowledge", "resolve", "dismiss"]);
  });

  it("lets an acknowledged alert only be resolved or dismissed", () => {
    expect(stockAlertActions("acknowledged")).toEqual(["resolve", "dismiss"]);
  });

  it("treats resolved and dismissed as final", () => {
    expect(stockAlertActions("resolved")).toEqual([]);
    expect(stockAlertActions("dismissed")).toEqual([]);
  });
});

describe("ML alert status flow", () => {
  it("marks only unread alerts as read, and acts on unread or read ones", () => {
    expect(mlAlertActions("unread")).toEqual({ markRead: true, approve: true, dismiss: true });
    expect(mlAlertActions("read")).toEqual({ markRead: false, approve: true, dismiss: true });
    expect(mlAlertActions("actioned")).toEqual({ markRead: false, approve: false, dismiss: false });
    expect(mlAlertActions("dismissed")).toEqual({ markRead: false, approve: false, dismiss: false });
  });

  it("calls an actioned alert approved", () => {
    expect(mlAlertStatusWord("actioned")).toBe("Approved");
    expect(mlAlertStatusWord("unread")).toBe("Unread");
  });
});

describe("list queries", () => {
  it("asks for open and acknowledged stock alerts by default and leaves out empty filters", () => {
    expect(stockAlertQuery(DEFAULT_STOCK_ALERT_FILTERS)).toEqual({ limit: 25, offset: 0, status: ["open", "acknowledged"] });
  });

  it("sends no status for 'any status', and severity and type when chosen", () => {
    expect(stockAlertQuery({ view: "all", severity: "critical", type: "phantom_stock", offset: 25, limit: 25 })).toEqual({
      limit: 25,
      offset: 25,
      severity: "critical",
      type: "phantom_stock",
    });
    expect(stockAlertQuery({ ...DEFAULT_STOCK_ALERT_FILTERS, view: "resolved" }).status).toEqual(["resolved"]);
  });

  it("builds the ML alert query from its filters", () => {
    expect(mlAlertQuery(DEFAULT_ML_ALERT_FILTERS)).toEqual({ limit: 25, offset: 0 });
    expect(mlAlertQuery({ status: "unread", severity: "warning", offset: 0, limit: 10 })).toEqual({
      limit: 10,
      offset: 0,
      status: "unread",
      severity: "warning",
    });
  });
});

describe("words and facts", () => {
  it("names known alert types and spaces out unknown ones", () => {
    expect(alertTypeWord("stockout_predicted")).toBe("Stock-out predicted");
    expect(alertTypeWord("drift_detected")).toBe("Drift detected");
    expect(alertTypeWord("sync_sla_breached")).toBe("Sync sla breached");
  });

  it("orders unread counts most severe first", () => {
    const rows = unreadBySeverity({
      unread: { info: 0, warning: 2, critical: 1 },
      total_unread: 3,
      by_status: { unread: 3, read: 0, actioned: 0, dismissed: 0 },
    });
    expect(rows.map((r) => [r.severity, r.count])).toEqual([
      ["critical", 1],
      ["warning", 2],
      ["info", 0],
    ]);
  });

  it("shows a drift alert's numbers: MAE change as a signed percentage, threshold whole", () => {
    const facts = alertFacts({
      mae_7d: 2.2868,
      baseline_mae: 1.9434,
      threshold: 0.15,
      mae_change: 0.1767,
      champion_version: "v1",
      retrain_id: "18850ff7",
    });
    expect(facts).toEqual([
      ["MAE, last 7 days", "2.287"],
      ["Baseline MAE", "1.943"],
      ["MAE change", "+17.7%"],
      ["Drift threshold", "15%"],
      ["Champion", "v1"],
    ]);
  });

  it("shows a stock-out alert's numbers and skips unknown keys and non-numbers", () => {
    expect(alertFacts({ days_of_supply: 0, lead_time_days: 2.5, on_hand: "n/a", weird: 3 })).toEqual([
      ["Days of supply", "0.0"],
      ["Lead time (days)", "2.5"],
    ]);
    expect(alertFacts(null)).toEqual([]);
  });
});
