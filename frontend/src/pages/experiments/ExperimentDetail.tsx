/** One experiment: where it is in the workflow, its review, the steps the caller may take, and its results. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { QueryState } from "../../components/States";
import { formatWhen } from "../../lib/format";
import {
  ACTION_LABELS,
  DECISION_WORDS,
  allowedActions,
  resultRows,
  reviewLine,
  statusWords,
  workflowSteps,
  type Experiment,
  type Step,
  type WorkflowAction,
} from "../../lib/experiments";
import { experimentQueries } from "./queries";
import { StepForm } from "./StepForm";

const STEP_STYLE: Record<Step["state"], { color: string; mark: string; note?: string }> = {
  done: { color: "var(--ok)", mark: "✓" },
  current: { color: "var(--primary)", mark: "●" },
  upcoming: { color: "var(--muted)", mark: "○" },
  unrecorded: { color: "var(--muted)", mark: "–", note: "optional step" },
};

function Steps({ experiment }: { experiment: Experiment }) {
  return (
    <ol className="row" aria-label="Workflow" style={{ listStyle: "none", padding: 0, margin: "0 0 0.75rem", gap: "1rem" }} data-testid="workflow-steps">
      {workflowSteps(experiment).map((step) => {
        const style = STEP_STYLE[step.state];
        return (
          <li key={step.status} style={{ color: style.color, fontWeight: step.state === "current" ? 700 : 400 }} aria-current={step.state === "current" ? "step" : undefined}>
            <span aria-hidden="true">{style.mark}</span> {step.label}
            {step.when && <span className="muted"> · {formatWhen(step.when)}</span>}
            {style.note && <span className="muted"> ({style.note})</span>}
          </li>
        );
      })}
    </ol>
  );
}

function Results({ experiment }: { experiment: Experiment }) {
  const results = useQuery(experimentQueries.results(experiment.experiment_id));
  return (
    <section className="section" aria-labelledby="results-title" data-testid="experiment-results">
      <h3 id="results-title">Results</h3>
      <QueryState query={results} loading="Loading results…">
        {(data) => {
          const rows = resultRows(data.results);
          return (
            <>
              <p style={{ margin: "0 0 0.5rem" }}>
                <Badge status={data.decision === "reject" ? "rejected" : "ok"} label={data.decision.replaceAll("_", " ")} />{" "}
                {DECISION_WORDS[data.decision]}. {data.decision_rationale}
              </p>
              <p className="muted" style={{ margin: "0 0 0.5rem" }}>
                Baseline {data.baseline_version ?? "—"} · experimental {data.experimental_version ?? "—"} · completed{" "}
                {formatWhen(data.completed_at)}
              </p>
              {rows.length === 0 ? (
                <p className="muted">No measured results were recorded.</p>
              ) : (
                <table>
                  <tbody>
                    {rows.map((row) => (
                      <tr key={row.key}>
                        <th scope="row" style={{ textTransform: "none" }}>
                          {row.label}
                        </th>
                        <td className="num">{row.value}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

export function ExperimentDetail({
  id,
  canDecide,
  versions,
  onNotice,
}: {
  id: string;
  canDecide: boolean;
  versions: string[];
  onNotice: (message: string) => void;
}) {
  const query = useQuery(experimentQueries.one(id));
  const [open, setOpen] = useState<WorkflowAction | null>(null);
  return (
    <QueryState query={query} loading="Loading experiment…">
      {(experiment) => {
        const actions = allowedActions(experiment.status, canDecide);
        const review = reviewLine(experiment);
        return (
          <Card
            title={
              <>
                {experiment.experiment_name} <Badge status={experiment.status} />
              </>
            }
            id="experiment-title"
          >
            <div data-testid="experiment-detail" data-status={experiment.status}>
              <Steps experiment={experiment} />
              <p style={{ marginTop: 0 }}>{statusWords(experiment.status)}</p>
              <dl style={{ display: "grid", gridTemplateColumns: "max-content 1fr", gap: "0.3rem 1rem", margin: 0 }}>
                <dt className="muted">Hypothesis</dt>
                <dd style={{ margin: 0 }}>{experiment.hypothesis}</dd>
                <dt className="muted">Type · model</dt>
                <dd style={{ margin: 0 }}>
                  {experiment.experiment_type} · {experiment.model_name}
                </dd>
                <dt className="muted">Proposed</dt>
                <dd style={{ margin: 0 }}>
                  by {experiment.proposed_by} on {formatWhen(experiment.created_at)}
                </dd>
                {review && (
                  <>
                    <dt className="muted">Review</dt>
                    <dd style={{ margin: 0 }}>{review}</dd>
                  </>
                )}
                <dt className="muted">Versions</dt>
                <dd style={{ margin: 0 }}>
                  baseline {experiment.baseline_version ?? "—"} · experimental {experiment.experimental_version ?? "—"}
                </dd>
              </dl>
              {experiment.status === "completed" && <Results experiment={experiment} />}
              {actions.length > 0 && (
                <div className="section">
                  <div className="row" role="group" aria-label="Next steps">
                    {actions.map((action) => (
                      <button
                        key={action}
                        type="button"
                        aria-expanded={open === action}
                        className={open === action ? "primary" : action === "reject" ? "danger" : undefined}
                        onClick={() => setOpen(open === action ? null : action)}
                      >
                        {ACTION_LABELS[action]}
                      </button>
                    ))}
                  </div>
                  {open && actions.includes(open) && (
                    <div style={{ marginTop: "0.75rem" }}>
                      <StepForm
                        key={`${experiment.experiment_id}:${open}`}
                        experiment={experiment}
                        action={open}
                        versions={versions}
                        onCancel={() => setOpen(null)}
                        onDone={(message) => {
                          setOpen(null);
                          onNotice(message);
                        }}
                      />
                    </div>
                  )}
                </div>
              )}
              {!canDecide && experiment.status !== "completed" && experiment.status !== "rejected" && (
                <p className="muted section">The next step is an ML manager's (or an admin's) decision.</p>
              )}
            </div>
          </Card>
        );
      }}
    </QueryState>
  );
}
