import { describe, expect, it } from "vitest";

import { ApiError } from "../api/errors";
import {
  bandLabel,
  bandOf,
  blendParts,
  chartRows,
  explanationProblem,
  featureValueText,
  forecastDays,
  readSelection,
  recentActuals,
  topContributions,
  writeSelection,
  type SeriesPayload,
} from "./forecasts";

const series: SeriesPayload = {
  issue_date: "2026-12-05",
  history: [
    { date: "2026-12-04", quantity: 3, stockout: false },
    { date: "2026-12-03", quantity: 0, stockout: true },
    { date: "2026-12-05", quantity: 5, stockout: false },
  ],
  forecast: [
    { date: "2026-12-06", mean: 4, lower: 2, upper: 7, quantiles: { "0.9": 6.5, "0.1": 1.5, "0.5": 3.8 } },
    { date: "2026-12-05", mean: 3, lower: 1, upper: 5, quantiles: null },
  ],
  actuals: [
    // Day 12-05 scored for two issues: the chart shows one actual, the table both rows.
    { date: "2026-12-05", issue_date: "2026-12-04", forecast: 2, actual: 5, absolute_error: 3, within_interval: false, stockout: false },
    { date: "2026-12-05", issue_date: "2026-12-05", forecast: 3, actual: 5, absolute_error: 2, within_interval: true, stockout: false },
    { date: "2026-12-04", issue_date: "2026-12-04", forecast: 3.5, actual: 3, absolute_error: 0.5, within_interval: null, stockout: false },
  ],
};

describe("bandOf", () => {
  it("takes the lowest and highest quantile, whatever the key order", () => {
    expect(bandOf({ date: "d", mean: 4, lower: 2, upper: 7, quantiles: { "0.9": 6.5, "0.1": 1.5, "0.5": 3.8 } })).toEqual([1.5, 6.5]);
  });
  it("falls back to lower/upper without quantiles, and to nothing without either", () => {
    expect(bandOf({ date: "d", mean: 3, lower: 1, upper: 5, quantiles: null })).toEqual([1, 5]);
    expect(bandOf({ date: "d", mean: 3, lower: null, upper: 5 })).toBeUndefined();
  });
  it("ignores non-numeric quantile keys", () => {
    expect(bandOf({ date: "d", mean: 3, quantiles: { median: 3, "0.05": 1, "0.95": 9 } })).toEqual([1, 9]);
  });
});

describe("bandLabel", () => {
  it("names the coverage and the percentiles", () => {
    expect(bandLabel(series.forecast)).toBe("80% band (10th–90th percentile)");
    expect(bandLabel([{ date: "d", mean: 1, quantiles: { "0.025": 0, "0.975": 2 } }])).toBe("95% band (2.5th–97.5th percentile)");
    expect(bandLabel([{ date: "d", mean: 1, quantiles: { "0.01": 0, "0.5": 1, "0.92": 2 } }])).toBe("91% band (1st–92nd percentile)");
  });
  it("says interval when there are no quantiles", () => {
    expect(bandLabel([])).toBe("Forecast interval");
    expect(bandLabel([{ date: "d", mean: 1, lower: 0, upper: 2 }])).toBe("Forecast interval");
  });
});

describe("chartRows", () => {
  it("merges history, forecast and actuals into one row per date, oldest first", () => {
    expect(chartRows(series)).toEqual([
      { date: "2026-12-03", sales: 0, stockout: 0, forecastDay: false },
      { date: "2026-12-04", sales: 3, actual: 3, forecastDay: false },
      { date: "2026-12-05", sales: 5, mean: 3, band: [1, 5], actual: 5, forecastDay: true },
      { date: "2026-12-06", mean: 4, band: [1.5, 6.5], forecastDay: true },
    ]);
  });
  it("keeps the latest issue's actual when two issues disagree", () => {
    const rows = chartRows({
      history: [],
      forecast: [],
      actuals: [
        { date: "2026-12-07", issue_date: "2026-12-06", forecast: 1, actual: 9, absolute_error: 8, stockout: false },
        { date: "2026-12-07", issue_date: "2026-12-05", forecast: 1, actual: 4, absolute_error: 3, stockout: false },
      ],
    });
    expect(rows).toEqual([{ date: "2026-12-07", actual: 9, forecastDay: false }]);
  });
  it("is empty for an empty series", () => {
    expect(chartRows({ history: [], forecast: [], actuals: [] })).toEqual([]);
  });
});

describe("forecastDays", () => {
  it("lists each forecast day once, in date order", () => {
    expect(forecastDays(series)).toEqual(["2026-12-05", "2026-12-06"]);
    expect(forecastDays({ history: [], forecast: [], actuals: [] })).toEqual([]);
  });
});

describe("recentActuals", () => {
  it("puts the newest day first, latest issue first, with signed error and interval words", () => {
    const rows = recentActuals(series.actuals);
    expect(rows.map((r) => [r.date, r.issueDate, r.error, r.interval])).toEqual([
      ["2026-12-05", "2026-12-05", 2, "inside"],
      ["2026-12-05", "2026-12-04", 3, "outside"],
      ["2026-12-04", "2026-12-04", -0.5, "unknown"],
    ]);
    expect(rows[0]!.key).toBe("2026-12-05/2026-12-05");
  });
  it("keeps only the limit", () => {
    expect(recentActuals(series.actuals, 1)).toHaveLength(1);
  });
});

describe("topContributions", () => {
  const contributions = [
    { feature: "lag_7", value: 4, shap: 0.3, multiplier: 1.35 },
    { feature: "dow", value: "Sat", shap: -0.5, multiplier: 0.61 },
    { feature: "promo", value: true, shap: 0.1, multiplier: 1.1 },
    { feature: "price", value: 2.5, shap: -0.1, multiplier: 0.9 },
    { feature: "month", value: 12, shap: 0.05, multiplier: 1.05 },
  ];

  it("keeps the largest |shap| first and sums the rest into one remainder", () => {
    const bars = topContributions(contributions, 2);
    expect(bars.map((b) => b.feature)).toEqual(["dow", "lag_7", "all other features (3)"]);
    const remainder = bars[2]!;
    expect(remainder.remainder).toBe(true);
    expect(remainder.shap).toBeCloseTo(0.05); // 0.1 − 0.1 + 0.05
    expect(remainder.multiplier).toBeCloseTo(1.1 * 0.9 * 1.05);
    expect(remainder.value).toBeNull();
  });

  it("scales bar lengths to the largest |shap| shown", () => {
    const bars = topContributions(contributions, 2);
    expect(bars.map((b) => b.share)).toEqual([1, 0.6, expect.closeTo(0.1)]);
  });

  it("breaks |shap| ties by feature name and adds no remainder when all fit", () => {
    const bars = topContributions(contributions, 10);
    expect(bars.map((b) => b.feature)).toEqual(["dow", "lag_7", "price", "promo", "month"]);
    expect(bars.some((b) => b.remainder)).toBe(false);
  });

  it("leaves the remainder's multiplier unknown when one is missing", () => {
    const bars = topContributions([...contributions, { feature: "x", shap: 0.01 }], 2);
    expect(bars[2]!.multiplier).toBeNull();
    expect(bars[2]!.feature).toBe("all other features (4)");
  });

  it("handles no contributions and all-zero effects", () => {
    expect(topContributions([])).toEqual([]);
    expect(topContributions([{ feature: "a", shap: 0 }])[0]!.share).toBe(0);
  });
});

describe("blendParts", () => {
  it("splits a blended forecast into weight × member forecast, heaviest first", () => {
    const split = blendParts([
      { model: "tsb", weight: 0.25, prediction: 2, explained: false },
      { model: "lightgbm", weight: 0.5, prediction: 6, explained: true },
      { model: "xgboost", weight: 0.25, prediction: 4, explained: false },
    ]);
    // 0.5 × 6 + 0.25 × 2 + 0.25 × 4 = 3 + 0.5 + 1 = 4.5
    expect(split?.parts.map((p) => [p.model, p.units])).toEqual([
      ["lightgbm", 3],
      ["tsb", 0.5],
      ["xgboost", 1],
    ]);
    expect(split?.total).toBeCloseTo(4.5);
  });

  it("has nothing to split when one model made the forecast", () => {
    expect(blendParts([{ model: "lightgbm", weight: 1, prediction: 6, explained: true }])).toBeNull();
    expect(blendParts([])).toBeNull();
  });
});

describe("featureValueText", () => {
  it("formats numbers, booleans and missing values", () => {
    expect(featureValueText(3)).toBe("3");
    expect(featureValueText(2.345678)).toBe("2.346");
    expect(featureValueText(true)).toBe("yes");
    expect(featureValueText(false)).toBe("no");
    expect(featureValueText(null)).toBe("—");
    expect(featureValueText("Sat")).toBe("Sat");
  });
});

describe("explanationProblem", () => {
  it("says in plain words why there is no explanation and keeps the API's reason apart", () => {
    expect(explanationProblem(new ApiError(409, { detail: "0.5*tsb+0.5*moving_average" }))).toEqual({
      title: "No explanation for this forecast",
      message:
        "The current champion model forecasts this series without a tree model (LightGBM or XGBoost), so ShelfOps cannot compute SHAP explanations for it.",
      detail: "0.5*tsb+0.5*moving_average",
    });
    expect(explanationProblem(new ApiError(503, undefined))).toMatchObject({
      title: "Explanations are not available on this server",
      detail: null,
    });
    expect(explanationProblem(new ApiError(404, { detail: "no forecast" })).title).toBe("No forecast for this day");
  });
  it("falls back to the shared wording for other failures", () => {
    expect(explanationProblem(new ApiError(0, undefined))).toMatchObject({ title: "Cannot reach ShelfOps", detail: null });
    expect(explanationProblem(new ApiError(500, { detail: "boom" })).title).toBe("Server error");
  });
});

describe("readSelection / writeSelection", () => {
  it("reads positive ids and an ISO day, ignoring anything malformed", () => {
    expect(readSelection(new URLSearchParams("store=3&product=12&day=2026-12-06"))).toEqual({ store: 3, product: 12, day: "2026-12-06" });
    expect(readSelection(new URLSearchParams("store=0&product=-1&day=tomorrow"))).toEqual({ store: null, product: null, day: null });
    expect(readSelection(new URLSearchParams("store=1.5&product=abc"))).toEqual({ store: null, product: null, day: null });
  });
  it("writes the choice and keeps unrelated parameters", () => {
    const out = writeSelection(new URLSearchParams("tab=x"), { store: 2, product: 5 });
    expect(out.toString()).toBe("tab=x&store=2&product=5");
  });
  it("drops the day when the store or product changes, keeps it otherwise", () => {
    const start = new URLSearchParams("store=2&product=5&day=2026-12-06");
    expect(writeSelection(start, { product: 6 }).toString()).toBe("store=2&product=6");
    expect(writeSelection(start, { store: 2 }).toString()).toBe("store=2&product=5&day=2026-12-06");
    expect(writeSelection(start, { day: "2026-12-07" }).toString()).toBe("store=2&product=5&day=2026-12-07");
    expect(writeSelection(start, { store: null }).toString()).toBe("product=5");
  });
});
