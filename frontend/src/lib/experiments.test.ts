import { describe, expect, it } from "vitest";

import {
  allowedActions,
  buildResults,
  changesChampion,
  improvementPct,
  resultRows,
  reviewLine,
  statusWords,
  workflowSteps,
  type ResultsForm,
} from "./experiments";

const blank: ResultsForm = { baselineMae: "", experimentalMae: "", improvementPct: "", extra: "" };

describe("allowedActions", () => {
  it("follows the API's transitions for a manager", () => {
    expect(allowedActions("proposed", true)).toEqual(["approve", "reject"]);
    expect(allowedActions("approved", true)).toEqual(["start", "complete"]);
    expect(allowedActions("in_progress", true)).toEqual(["shadow", "complete"]);
    expect(allowedActions("shadow_testing", true)).toEqual(["complete"]);
    expect(allowedActions("completed", true)).toEqual([]);
    expect(allowedActions("rejected", true)).toEqual([]);
  });

  it("offers no decision to roles below ml_manager", () => {
    expect(allowedActions("proposed", false)).toEqual([]);
    expect(allowedActions("shadow_testing", false)).toEqual([]);
  });
});

describe("workflowSteps", () => {
  const base = { created_at: "2026-12-01T10:00:00Z", approved_at: null, completed_at: null };

  it("marks earlier steps done, the status current and later ones upcoming", () => {
    const steps = workflowSteps({ ...base, status: "in_progress", approved_at: "2026-12-02T10:00:00Z" });
    expect(steps.map((s) => [s.status, s.state])).toEqual([
      ["proposed", "done"],
      ["approved", "done"],
      ["in_progress", "current"],
      ["shadow_testing", "upcoming"],
      ["completed", "upcoming"],
    ]);
    expect(steps[1]?.when).toBe("2026-12-02T10:00:00Z");
  });

  it("does not claim the optional steps of a completed experiment happened", () => {
    const steps = workflowSteps({ ...base, status: "completed", completed_at: "2026-12-03T00:00:00Z" });
    expect(steps.map((s) => s.state)).toEqual(["done", "done", "unrecorded", "unrecorded", "done"]);
    expect(steps[4]?.when).toBe("2026-12-03T00:00:00Z");
  });

  it("ends a rejected experiment after its proposal", () => {
    expect(workflowSteps({ ...base, status: "rejected" }).map((s) => s.status)).toEqual(["proposed", "rejected"]);
  });
});

describe("buildResults", () => {
  it("sends the seed's numbers and computes the improvement when left blank", () => {
    // (12.8 - 10.0) / 12.8 = 0.21875 → 21.9 %
    expect(buildResults({ ...blank, baselineMae: "12.8", experimentalMae: "10.0" })).toEqual({
      results: { baseline_mae: 12.8, experimental_mae: 10, improvement_pct: 21.9 },
      problems: [],
    });
  });

  it("keeps a typed improvement and merges other results", () => {
    expect(
      buildResults({ baselineMae: "2", experimentalMae: "1.9", improvementPct: "5", extra: '{"holdout_wape": 0.41}' }).results,
    ).toEqual({ holdout_wape: 0.41, baseline_mae: 2, experimental_mae: 1.9, improvement_pct: 5 });
  });

  it("says in words what cannot be sent", () => {
    expect(buildResults({ ...blank, baselineMae: "abc" }).problems).toEqual(["Baseline MAE must be a number."]);
    expect(buildResults({ ...blank, experimentalMae: "-1" }).problems).toEqual(["Experimental MAE cannot be below 0."]);
    expect(buildResults({ ...blank, extra: "[1]" }).problems[0]).toMatch(/must be a JSON object/);
    expect(buildResults({ ...blank, extra: "{oops" }).problems[0]).toMatch(/not valid JSON/);
    expect(buildResults(blank)).toEqual({
      results: null,
      problems: ["Enter at least one measured result (for example the baseline and experimental MAE)."],
    });
  });

  it("computes improvement only against a positive baseline", () => {
    expect(improvementPct(2, 1.5)).toBe(25);
    expect(improvementPct(2, 2.5)).toBe(-25);
    expect(improvementPct(0, 1)).toBeNull();
  });
});

describe("results view", () => {
  it("lists the seed's numbers first, then the others by name, formatted", () => {
    expect(
      resultRows({ zeta_note: "ok", improvement_pct: 21.875, baseline_mae: 12.8, experimental_mae: 10, alpha_wape_pct: 3 }),
    ).toEqual([
      { key: "baseline_mae", label: "Baseline MAE", value: "12.800" },
      { key: "experimental_mae", label: "Experimental MAE", value: "10.000" },
      { key: "improvement_pct", label: "Improvement", value: "21.9%" },
      { key: "alpha_wape_pct", label: "alpha wape pct", value: "3.0%" },
      { key: "zeta_note", label: "zeta note", value: "ok" },
    ]);
    expect(resultRows(null)).toEqual([]);
  });

  it("words the review and the decisions that touch the champion", () => {
    expect(
      reviewLine({ status: "approved", approved_by: "ana", approval_rationale: "top 500 SKUs only", approved_at: "2026-12-02T10:00:00Z" }),
    ).toBe("Approved by ana on 2026-12-02 10:00: top 500 SKUs only");
    expect(reviewLine({ status: "rejected", approved_by: null, approval_rationale: "rejected by bo: no data", approved_at: null })).toBe(
      "Rejected — rejected by bo: no data",
    );
    expect(reviewLine({ status: "proposed", approved_by: null, approval_rationale: null, approved_at: null })).toBeNull();
    expect(changesChampion("adopt")).toBe(true);
    expect(changesChampion("reject")).toBe(false);
    expect(statusWords("shadow_testing")).toMatch(/^Shadow testing/);
  });
});
