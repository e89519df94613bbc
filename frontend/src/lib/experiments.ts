/**
 * Data shaping for the Experiments page (seed 003's workflow): which steps an
 * experiment's status allows and for whom, its progress through the flow, the results
 * a completion sends, and the results view's rows.
 */
import type { Schema } from "../api/client";
import { formatNumber, formatWhen } from "./format";

export type Experiment = Schema<"ExperimentRead">;
export type ExperimentStatus = Schema<"ExperimentStatus">;
export type Decision = Schema<"Decision">;

/** The workflow's steps, as the API names them. */
export type WorkflowAction = "approve" | "reject" | "start" | "shadow" | "complete";

/**
 * The statuses each step may start from: the API's `experiments/service.py` TRANSITIONS.
 * Completing is allowed straight from `approved` (seed 003's own sequence).
 */
export const TRANSITIONS: Record<WorkflowAction, { from: readonly ExperimentStatus[]; to: ExperimentStatus }> = {
  approve: { from: ["proposed"], to: "approved" },
  reject: { from: ["proposed"], to: "rejected" },
  start: { from: ["approved"], to: "in_progress" },
  shadow: { from: ["in_progress"], to: "shadow_testing" },
  complete: { from: ["approved", "in_progress", "shadow_testing"], to: "completed" },
};

const ACTION_ORDER: readonly WorkflowAction[] = ["approve", "reject", "start", "shadow", "complete"];

/**
 * The steps an experiment in `status` allows, in workflow order. Every step is an ML
 * manager's decision, so callers below ml_manager get none.
 */
export function allowedActions(status: ExperimentStatus, canDecide: boolean): WorkflowAction[] {
  if (!canDecide) return [];
  return ACTION_ORDER.filter((action) => TRANSITIONS[action].from.includes(status));
}

export const ACTION_LABELS: Record<WorkflowAction, string> = {
  approve: "Approve",
  reject: "Reject",
  start: "Start implementation",
  shadow: "Start shadow test",
  complete: "Complete with results",
};

/** What an experiment's status means and who acts next. */
export function statusWords(status: ExperimentStatus): string {
  switch (status) {
    case "proposed":
      return "Proposed: waiting for an ML manager to approve or reject it.";
    case "approved":
      return "Approved: an ML manager can start its implementation or complete it with results.";
    case "in_progress":
      return "In progress: being implemented; next a shadow test or completion.";
    case "shadow_testing":
      return "Shadow testing: the experimental version forecasts beside the champion; complete it with results.";
    case "completed":
      return "Completed: the decision and results are recorded.";
    case "rejected":
      return "Rejected: it will not run (final).";
  }
}

export type StepState = "done" | "current" | "upcoming" | "unrecorded";

export interface Step {
  status: ExperimentStatus;
  label: string;
  state: StepState;
  when: string | null;
}

const FLOW: readonly { status: ExperimentStatus; label: string }[] = [
  { status: "proposed", label: "Proposed" },
  { status: "approved", label: "Approved" },
  { status: "in_progress", label: "In progress" },
  { status: "shadow_testing", label: "Shadow testing" },
  { status: "completed", label: "Completed" },
];

/**
 * The experiment's path through the flow: steps before its status are done, its own is
 * current (a completed experiment's is done), later ones upcoming. A completed
 * experiment may have skipped the optional implementation and shadow steps (completing
 * is allowed straight from approved) and the record does not say, so those are
 * `unrecorded`. A rejected experiment ends after `proposed` with a `rejected` step.
 */
export function workflowSteps(experiment: Pick<Experiment, "status" | "created_at" | "approved_at" | "completed_at">): Step[] {
  const { status } = experiment;
  const when: Partial<Record<ExperimentStatus, string | null>> = {
    proposed: experiment.created_at,
    approved: experiment.approved_at,
    completed: experiment.completed_at,
  };
  if (status === "rejected") {
    return [
      { status: "proposed", label: "Proposed", state: "done", when: experiment.created_at },
      { status: "rejected", label: "Rejected", state: "done", when: null },
    ];
  }
  const at = FLOW.findIndex((step) => step.status === status);
  return FLOW.map((step, index) => {
    let state: StepState = index < at ? "done" : index === at ? "current" : "upcoming";
    if (status === "completed") {
      state = step.status === "in_progress" || step.status === "shadow_testing" ? "unrecorded" : "done";
    }
    return { status: step.status, label: step.label, state, when: when[step.status] ?? null };
  });
}

// ---------------------------------------------------------------------------------------
// Completion

export interface ResultsForm {
  baselineMae: string;
  experimentalMae: string;
  improvementPct: string;
  /** Further measured results as a JSON object, e.g. `{"holdout_wape": 0.41}`; may be blank. */
  extra: string;
}

/** The relative MAE improvement in percent, one decimal: (12.8 − 10.0) / 12.8 → 21.9. */
export function improvementPct(baselineMae: number, experimentalMae: number): number | null {
  if (!(baselineMae > 0) || !Number.isFinite(experimentalMae)) return null;
  return Math.round(((baselineMae - experimentalMae) / baselineMae) * 1000) / 10;
}

function parseNumber(raw: string, label: string, problems: string[], min?: number): number | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    problems.push(`${label} must be a number.`);
    return undefined;
  }
  if (min !== undefined && value < min) {
    problems.push(`${label} cannot be below ${min}.`);
    return undefined;
  }
  return value;
}

/**
 * The `results` object a completion sends, from the form's text fields: the seed's three
 * numbers (improvement computed from the two MAEs when left blank) plus any extra JSON
 * object. `problems` lists what cannot be sent, in words; when it is not empty,
 * `results` is null.
 */
export function buildResults(form: ResultsForm): { results: Record<string, unknown> | null; problems: string[] } {
  const problems: string[] = [];
  const baseline = parseNumber(form.baselineMae, "Baseline MAE", problems, 0);
  const experimental = parseNumber(form.experimentalMae, "Experimental MAE", problems, 0);
  let improvement = parseNumber(form.improvementPct, "Improvement %", problems);
  let extra: Record<string, unknown> = {};
  if (form.extra.trim() !== "") {
    try {
      const parsed: unknown = JSON.parse(form.extra);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        problems.push('Other results must be a JSON object, like {"holdout_wape": 0.41}.');
      } else {
        extra = parsed as Record<string, unknown>;
      }
    } catch {
      problems.push('Other results are not valid JSON; write an object like {"holdout_wape": 0.41}.');
    }
  }
  if (improvement === undefined && baseline !== undefined && experimental !== undefined) {
    improvement = improvementPct(baseline, experimental) ?? undefined;
  }
  const results: Record<string, unknown> = { ...extra };
  if (baseline !== undefined) results.baseline_mae = baseline;
  if (experimental !== undefined) results.experimental_mae = experimental;
  if (improvement !== undefined) results.improvement_pct = improvement;
  if (problems.length === 0 && Object.keys(results).length === 0) {
    problems.push("Enter at least one measured result (for example the baseline and experimental MAE).");
  }
  return problems.length ? { results: null, problems } : { results, problems };
}

/** Decisions that promote or restore a model version (they change the champion). */
export function changesChampion(decision: Decision): boolean {
  return decision !== "reject";
}

export const DECISION_WORDS: Record<Decision, string> = {
  adopt: "Adopt: the experimental version becomes champion",
  partial_adopt: "Partial adopt: the experimental version becomes champion",
  reject: "Reject: no model changes",
  rollback: "Roll back: the previous champion is restored",
};

// ---------------------------------------------------------------------------------------
// Results view

const KNOWN_RESULTS: Record<string, string> = {
  baseline_mae: "Baseline MAE",
  experimental_mae: "Experimental MAE",
  improvement_pct: "Improvement",
};

export interface ResultRow {
  key: string;
  label: string;
  value: string;
}

function resultValue(key: string, value: unknown): string {
  if (typeof value === "number") return key.endsWith("_pct") ? `${formatNumber(value, 1)}%` : formatNumber(value, 3);
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "—";
  return JSON.stringify(value);
}

/**
 * Measured results as labelled rows: the seed's three first, then the others by name.
 * Percentages (`*_pct`) get one decimal and a % sign, other numbers three decimals.
 */
export function resultRows(results: Record<string, unknown> | null | undefined): ResultRow[] {
  if (!results) return [];
  const known = Object.keys(KNOWN_RESULTS).filter((key) => key in results);
  const others = Object.keys(results)
    .filter((key) => !(key in KNOWN_RESULTS))
    .sort();
  return [...known, ...others].map((key) => ({
    key,
    label: KNOWN_RESULTS[key] ?? key.replaceAll("_", " "),
    value: resultValue(key, results[key]),
  }));
}

/** Who approved or rejected, and why, in one line. */
export function reviewLine(experiment: Pick<Experiment, "status" | "approved_by" | "approval_rationale" | "approved_at">): string | null {
  if (experiment.status === "rejected") return experiment.approval_rationale ? `Rejected — ${experiment.approval_rationale}` : "Rejected";
  if (!experiment.approved_by) return null;
  const why = experiment.approval_rationale ? `: ${experiment.approval_rationale}` : "";
  return `Approved by ${experiment.approved_by} on ${formatWhen(experiment.approved_at)}${why}`;
}
