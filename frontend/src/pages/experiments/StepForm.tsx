/**
 * The form of one workflow step (approve, reject, start, shadow, complete) with the
 * fields its request takes. A refused step is shown in plain words under the form and
 * everything typed stays.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { api, call } from "../../api/client";
import { useCaller } from "../../auth/AuthContext";
import { ErrorPanel } from "../../components/States";
import { SubmitOrCancel } from "../../components/SubmitOrCancel";
import {
  ACTION_LABELS,
  DECISION_WORDS,
  buildResults,
  changesChampion,
  improvementPct,
  type Decision,
  type Experiment,
  type ResultsForm,
  type WorkflowAction,
} from "../../lib/experiments";
import { MODELS_KEY } from "../models/queries";
import { EXPERIMENTS_KEY } from "./queries";

interface Fields extends ResultsForm {
  rationale: string;
  actor: string;
  version: string;
  decision: Decision;
}

async function send(action: WorkflowAction, id: string, fields: Fields, results: Record<string, unknown> | null): Promise<Experiment> {
  const path = { experiment_id: id };
  const actor = fields.actor.trim() || null;
  const version = fields.version.trim() || null;
  switch (action) {
    case "approve":
      return call(api.PATCH("/api/v1/experiments/{experiment_id}/approve", { params: { path }, body: { rationale: fields.rationale.trim(), approved_by: actor } }));
    case "reject":
      return call(api.PATCH("/api/v1/experiments/{experiment_id}/reject", { params: { path }, body: { rationale: fields.rationale.trim(), rejected_by: actor } }));
    case "start":
      return call(api.PATCH("/api/v1/experiments/{experiment_id}/start", { params: { path }, body: { experimental_version: version } }));
    case "shadow":
      return call(api.PATCH("/api/v1/experiments/{experiment_id}/shadow", { params: { path }, body: { experimental_version: version ?? "" } }));
    case "complete":
      return call(
        api.POST("/api/v1/experiments/{experiment_id}/complete", {
          params: { path },
          body: {
            decision: fields.decision,
            decision_rationale: fields.rationale.trim(),
            experimental_version: version,
            results: results ?? {},
          },
        }),
      );
  }
}

const HELP: Record<WorkflowAction, string> = {
  approve: "The experiment may go ahead. Say why, and under which constraints.",
  reject: "The experiment will not run (final). Say why.",
  start: "Implementation begins. Name the version being built if it exists already.",
  shadow: "The experimental version forecasts beside the champion without serving.",
  complete: "Record the decision and the measured results. Adopting promotes the experimental version to champion.",
};

export function StepForm({
  experiment,
  action,
  versions,
  onDone,
  onCancel,
}: {
  experiment: Experiment;
  action: WorkflowAction;
  versions: string[];
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const caller = useCaller();
  const queryClient = useQueryClient();
  const [fields, setFields] = useState<Fields>({
    rationale: "",
    actor: "",
    version: experiment.experimental_version ?? "",
    decision: "adopt",
    baselineMae: "",
    experimentalMae: "",
    improvementPct: "",
    extra: "",
  });
  const [problems, setProblems] = useState<string[]>([]);
  const set = (field: keyof Fields) => (event: { target: { value: string } }) =>
    setFields((current) => ({ ...current, [field]: event.target.value }));

  const mutation = useMutation({
    mutationFn: (results: Record<string, unknown> | null) => send(action, experiment.experiment_id, fields, results),
    onSuccess: async (updated) => {
      const touchedModels = action === "complete" && updated.decision !== null && changesChampion(updated.decision);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: EXPERIMENTS_KEY }),
        touchedModels ? queryClient.invalidateQueries({ queryKey: MODELS_KEY }) : Promise.resolve(),
      ]);
      onDone(`${updated.experiment_name} is now ${updated.status.replaceAll("_", " ")}.`);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mutation.isPending) return;
    let results: Record<string, unknown> | null = null;
    if (action === "complete") {
      const built = buildResults(fields);
      setProblems(built.problems);
      if (built.results === null) return;
      results = built.results;
    }
    mutation.mutate(results);
  };

  const needsRationale = action === "approve" || action === "reject" || action === "complete";
  const computed =
    action === "complete" && fields.improvementPct.trim() === "" && fields.baselineMae.trim() !== "" && fields.experimentalMae.trim() !== ""
      ? improvementPct(Number(fields.baselineMae), Number(fields.experimentalMae))
      : null;
  const versionLocked = action === "complete" && experiment.status === "shadow_testing" && experiment.experimental_version !== null;

  return (
    <form className="form" onSubmit={submit} aria-label={ACTION_LABELS[action]} data-testid={`step-form-${action}`}>
      <h3 style={{ margin: 0 }}>{ACTION_LABELS[action]}</h3>
      <p className="muted" style={{ margin: 0 }}>
        {HELP[action]}
      </p>
      {action === "complete" && (
        <label>
          Decision
          <select autoFocus value={fields.decision} onChange={set("decision")}>
            {(Object.keys(DECISION_WORDS) as Decision[]).map((decision) => (
              <option key={decision} value={decision}>
                {DECISION_WORDS[decision]}
              </option>
            ))}
          </select>
        </label>
      )}
      {needsRationale && (
        <label>
          {action === "complete" ? "Decision rationale" : "Rationale"}
          <textarea
            autoFocus={action !== "complete"}
            required
            rows={2}
            value={fields.rationale}
            onChange={set("rationale")}
            placeholder={
              action === "approve"
                ? "Approved with constraint: top 500 SKUs only"
                : action === "reject"
                  ? "Not enough data"
                  : "Exceeded target (22% improvement)"
            }
          />
        </label>
      )}
      {(action === "approve" || action === "reject") && (
        <label>
          {action === "approve" ? "Approved by" : "Rejected by"} (optional)
          <input maxLength={200} value={fields.actor} onChange={set("actor")} placeholder={caller.key_name} />
        </label>
      )}
      {(action === "start" || action === "shadow" || action === "complete") && (
        <label>
          Experimental version{action === "shadow" ? "" : " (optional)"}
          <input
            autoFocus={action === "start" || action === "shadow"}
            required={action === "shadow"}
            maxLength={32}
            list={`versions-${experiment.experiment_id}`}
            value={fields.version}
            onChange={set("version")}
            disabled={versionLocked}
            placeholder="v2"
          />
          <datalist id={`versions-${experiment.experiment_id}`}>
            {versions.map((version) => (
              <option key={version} value={version} />
            ))}
          </datalist>
          {versionLocked && <span>A shadow-tested experiment decides about the version it tested.</span>}
          {action === "complete" && !versionLocked && <span>Needed to adopt, unless the experiment already names one.</span>}
        </label>
      )}
      {action === "complete" && (
        <fieldset style={{ border: "1px solid var(--border)", borderRadius: 8, padding: "0.75rem" }}>
          <legend className="muted" style={{ fontSize: "0.85rem" }}>
            Measured results
          </legend>
          <div className="row" style={{ alignItems: "flex-start" }}>
            <label style={{ flex: 1 }}>
              Baseline MAE
              <input inputMode="decimal" value={fields.baselineMae} onChange={set("baselineMae")} placeholder="12.8" />
            </label>
            <label style={{ flex: 1 }}>
              Experimental MAE
              <input inputMode="decimal" value={fields.experimentalMae} onChange={set("experimentalMae")} placeholder="10.0" />
            </label>
            <label style={{ flex: 1 }}>
              Improvement %
              <input
                inputMode="decimal"
                value={fields.improvementPct}
                onChange={set("improvementPct")}
                placeholder={computed !== null ? `${computed} (computed)` : "computed from the MAEs"}
              />
            </label>
          </div>
          <label style={{ marginTop: "0.5rem" }}>
            Other results (optional JSON object)
            <textarea rows={2} value={fields.extra} onChange={set("extra")} placeholder='{"holdout_wape": 0.41}' />
          </label>
        </fieldset>
      )}
      {problems.length > 0 && (
        <div className="state error" role="alert">
          <strong>Check your input</strong>
          {problems.join(" ")}
        </div>
      )}
      {mutation.isError && <ErrorPanel error={mutation.error} />}
      <SubmitOrCancel label={ACTION_LABELS[action]} pending={mutation.isPending} tone={action === "reject" ? "danger" : "primary"} onCancel={onCancel} />
    </form>
  );
}
