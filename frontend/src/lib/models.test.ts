import { describe, expect, it } from "vitest";

import {
  backtestChart,
  decisionLine,
  decisionLines,
  formatMetric,
  healthWords,
  maeImprovement,
  markdownBlocks,
  parseInline,
  topFeatures,
  versionActions,
  type BacktestPoint,
  type DecisionRead,
} from "./models";

function point(date: string, kind: string, mae: number | null, mape: number | null = null): BacktestPoint {
  return { forecast_date: date, backtest_kind: kind, mae, mape, stockout_miss_rate: null, overstock_rate: null };
}

function decision(over: Partial<DecisionRead>): DecisionRead {
  return {
    decision_id: "d1",
    version: "v3",
    action: "kept_as_challenger",
    status_after: "challenger",
    previous_champion: null,
    decided_by: "promotion_gate",
    trigger_type: "drift_detected",
    reasons: ["MAE 1.98 vs champion 1.98: +0.0% (needs ≥ 5%)"],
    inputs: {},
    created_at: "2026-12-05T12:20:56Z",
    ...over,
  };
}

describe("backtestChart", () => {
  it("puts one row per date, one column per kind, weekly before daily, dates ascending", () => {
    const chart = backtestChart(
      [point("2026-12-04", "daily", 2.35), point("2026-12-03", "weekly", 2.1), point("2026-12-04", "weekly", 2.26)],
      "mae",
    );
    expect(chart.kinds).toEqual(["weekly", "daily"]);
    expect(chart.rows).toEqual([
      { date: "2026-12-03", weekly: 2.1, daily: null },
      { date: "2026-12-04", weekly: 2.26, daily: 2.35 },
    ]);
  });

  it("reads the chosen metric and leaves missing or non-finite values as gaps", () => {
    const chart = backtestChart(
      [point("2026-11-01", "weekly", 1, 0.5), point("2026-11-02", "weekly", 1, null), point("2026-11-03", "weekly", 1, Number.NaN)],
      "mape",
    );
    expect(chart.rows.map((r) => r.weekly)).toEqual([0.5, null, null]);
  });

  it("has no rows and no kinds for a version without backtests", () => {
    expect(backtestChart([], "mae")).toEqual({ rows: [], kinds: [] });
  });

  it("formats shares as percentages and MAE as units", () => {
    expect(formatMetric("mape", 0.7295)).toBe("73.0%");
    expect(formatMetric("mae", 2.2580413)).toBe("2.26");
  });
});

describe("decision lines", () => {
  it("says what the gate did, on which trigger, with its reasons", () => {
    const line = decisionLine(decision({}));
    expect(line.headline).toBe("v3 kept as challenger by the promotion gate");
    expect(line.context).toEqual(["trigger: drift detected retrain"]);
    expect(line.reasons).toEqual(["MAE 1.98 vs champion 1.98: +0.0% (needs ≥ 5%)"]);
    expect(line.byPerson).toBe(false);
  });

  it("names the person and the champion a promotion replaced or a rollback left", () => {
    const promoted = decisionLine(
      decision({ action: "promoted", decided_by: "e2e ml_manager", trigger_type: null, previous_champion: "v1", reasons: ["shadow run reviewed"] }),
    );
    expect(promoted.headline).toBe("v3 promoted to champion by e2e ml_manager");
    expect(promoted.context).toEqual(["replaced champion v1"]);
    expect(promoted.byPerson).toBe(true);
    const back = decisionLine(decision({ version: "v1", action: "rolled_back", decided_by: "ana", trigger_type: null, previous_champion: "v3" }));
    expect(back.headline).toBe("v1 made champion again by a rollback by ana");
    expect(back.context).toEqual(["rolled back from v3"]);
  });

  it("lists a version's decisions newest first", () => {
    const lines = decisionLines([
      decision({ decision_id: "old", created_at: "2026-12-05T12:20:45Z" }),
      decision({ decision_id: "new", action: "archived", created_at: "2026-12-05T12:20:56Z" }),
    ]);
    expect(lines.map((l) => l.id)).toEqual(["new", "old"]);
    expect(decisionLines(undefined)).toEqual([]);
  });
});

describe("versionActions", () => {
  it("offers promote, shadow and archive only where the registry accepts them", () => {
    expect(versionActions("challenger")).toEqual(["promote", "shadow", "archive"]);
    expect(versionActions("candidate")).toEqual(["promote", "shadow", "archive"]);
    expect(versionActions("shadow")).toEqual(["promote", "archive"]);
    expect(versionActions("champion")).toEqual([]);
    expect(versionActions("archived")).toEqual([]);
  });
});

describe("topFeatures", () => {
  it("keeps the n largest, largest first, ties by name, with their share of the shown total", () => {
    const top = topFeatures(
      [
        { feature: "lag_7", importance: 10 },
        { feature: "price", importance: 30 },
        { feature: "dow", importance: 10 },
        { feature: "promo", importance: 5 },
        { feature: "broken", importance: Number.NaN },
      ],
      3,
    );
    expect(top.map((f) => f.feature)).toEqual(["price", "dow", "lag_7"]);
    expect(top.map((f) => f.share)).toEqual([0.6, 0.2, 0.2]);
  });

  it("gives zero shares when every importance is zero, and nothing for n = 0", () => {
    expect(topFeatures([{ feature: "a", importance: 0 }]).map((f) => f.share)).toEqual([0]);
    expect(topFeatures([{ feature: "a", importance: 1 }], 0)).toEqual([]);
  });

  it("defaults to the top 20", () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ feature: `f${i}`, importance: i }));
    const top = topFeatures(many);
    expect(top).toHaveLength(20);
    expect(top[0]?.feature).toBe("f24");
    expect(top[19]?.feature).toBe("f5");
  });
});

describe("markdown", () => {
  it("reads bold, italic, code and italic around bold", () => {
    expect(parseInline("a **b** `c` *d*")).toEqual([
      { text: "a " },
      { text: "b", bold: true },
      { text: " " },
      { text: "c", code: true },
      { text: " " },
      { text: "d", italic: true },
    ]);
    expect(parseInline("*Status: **champion**.*")).toEqual([
      { text: "Status: ", italic: true },
      { text: "champion", bold: true, italic: true },
      { text: ".", italic: true },
    ]);
  });

  it("keeps unmatched markers and HTML as plain text", () => {
    expect(parseInline("2 * 3 <script>x</script>")).toEqual([{ text: "2 * 3 <script>x</script>" }]);
    expect(parseInline("smooth: 0.6*lightgbm+0.4*moving_average")).toEqual([{ text: "smooth: 0.6*lightgbm+0.4*moving_average" }]);
  });

  it("splits a card into headings, paragraphs, lists with continued items, tables and code", () => {
    const md = [
      "# Model card — v1",
      "",
      "Generated by",
      "ShelfOps.",
      "",
      "## Details",
      "- **Model:** demand",
      "- Method: per segment",
      "  then calibrates",
      "",
      "| metric | candidate |",
      "|---|---|",
      "| mae | 1.943 |",
      "",
      "```",
      "model: auto",
      "```",
    ].join("\n");
    expect(markdownBlocks(md)).toEqual([
      { kind: "heading", level: 1, spans: [{ text: "Model card — v1" }] },
      { kind: "paragraph", spans: [{ text: "Generated by ShelfOps." }] },
      { kind: "heading", level: 2, spans: [{ text: "Details" }] },
      {
        kind: "list",
        items: [[{ text: "Model:", bold: true }, { text: " demand" }], [{ text: "Method: per segment then calibrates" }]],
      },
      { kind: "table", header: [[{ text: "metric" }], [{ text: "candidate" }]], rows: [[[{ text: "mae" }], [{ text: "1.943" }]]] },
      { kind: "code", text: "model: auto" },
    ]);
  });
});

describe("health and paging", () => {
  it("puts status and trend in words", () => {
    expect(healthWords("degraded", "unknown")).toBe(
      "Degraded: live error exceeds its backtest error by more than the drift threshold. Trend unknown (not enough evaluated days).",
    );
    expect(healthWords("healthy", "improving")).toContain("Improving");
  });

  it("computes the challenger's relative MAE gain on the same rows", () => {
    expect(maeImprovement(9, 10)).toBeCloseTo(0.1);
    expect(maeImprovement(11, 10)).toBeCloseTo(-0.1);
    expect(maeImprovement(null, 10)).toBeNull();
    expect(maeImprovement(1, 0)).toBeNull();
  });

});
