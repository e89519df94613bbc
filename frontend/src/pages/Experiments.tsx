/**
 * The Experiments page: seed 003's workflow. Planners propose; ML managers and admins
 * approve or reject, start, shadow test and complete with results; everyone reads the
 * list, each experiment's progress and a completed one's results.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router-dom";

import { useCan } from "../auth/AuthContext";
import { ExperimentDetail } from "./experiments/ExperimentDetail";
import { ExperimentList } from "./experiments/ExperimentList";
import { ProposeForm } from "./experiments/ProposeForm";
import { modelQueries } from "./models/queries";

export function ExperimentsPage() {
  const canPropose = useCan("planner");
  const canDecide = useCan("ml_manager");
  const [params, setParams] = useSearchParams();
  const [proposing, setProposing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const selected = params.get("experiment");
  // Version names for the version fields' suggestions; the fields work without them.
  const history = useQuery(modelQueries.history(0, 50));
  const versions = (history.data?.items ?? []).map((v) => v.version);

  return (
    <>
      <div className="row" style={{ marginBottom: "0.5rem" }}>
        <h1 style={{ margin: 0 }}>Experiments</h1>
        <span className="spacer" />
        {canPropose && !proposing && (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setNotice(null);
              setProposing(true);
            }}
          >
            Propose an experiment
          </button>
        )}
      </div>
      <p className="muted" style={{ marginTop: 0 }}>
        Proposed → approved (or rejected) → in progress → shadow testing → completed with a decision and measured results.
        Planners propose; ML managers and admins decide every step. Adopting an experiment promotes its version to champion.
      </p>
      {notice && (
        <div className="notice" role="status" style={{ marginBottom: "1rem" }}>
          {notice}
        </div>
      )}
      {proposing && (
        <div style={{ marginBottom: "1rem" }}>
          <ProposeForm
            versions={versions}
            onCancel={() => setProposing(false)}
            onDone={(experiment) => {
              setProposing(false);
              setNotice(`Proposed "${experiment.experiment_name}": it waits for an ML manager's approval.`);
              setParams({ experiment: experiment.experiment_id });
            }}
          />
        </div>
      )}
      <div className="grid-2" style={{ alignItems: "start" }}>
        <ExperimentList selected={selected} onSelect={(id) => setParams({ experiment: id })} />
        {selected ? (
          <ExperimentDetail key={selected} id={selected} canDecide={canDecide} versions={versions} onNotice={setNotice} />
        ) : (
          <div className="state">Pick an experiment to see its progress, review and results.</div>
        )}
      </div>
    </>
  );
}
