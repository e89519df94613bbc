/** Every recorded decision on an order: what, who, when, why and what changed. */
import { Badge } from "../../components/Badge";
import { QueryState } from "../../components/States";
import { formatWhen } from "../../lib/format";
import { decisionChanges, poStatusWord, reasonWord } from "../../lib/replenishment";
import { useDecisions } from "./queries";

export function DecisionHistory({ poId }: { poId: string }) {
  const decisions = useDecisions(poId);
  return (
    <section aria-labelledby="history-title">
      <h3 id="history-title">History</h3>
      <QueryState query={decisions} loading="Loading the history…" isEmpty={(rows) => rows.length === 0} empty="No decision yet: the order is as the daily run suggested it.">
        {(rows) => (
          <ol style={{ margin: 0, paddingLeft: "1.1rem", display: "flex", flexDirection: "column", gap: "0.5rem" }} aria-label="Decisions">
            {rows.map((decision) => {
              const changes = decisionChanges(decision);
              return (
                <li key={decision.decision_id}>
                  <div className="row">
                    <Badge status={decision.decision} label={poStatusWord(decision.decision)} />
                    <span className="muted">
                      by {decision.decided_by}, {formatWhen(decision.decided_at)}
                    </span>
                  </div>
                  {decision.reason_code && <div>Reason: {reasonWord(decision.reason_code)}</div>}
                  {decision.notes && <div>Notes: {decision.notes}</div>}
                  {changes.length > 0 && (
                    <ul style={{ margin: "0.25rem 0 0", paddingLeft: "1.1rem" }} className="muted">
                      {changes.map((change) => (
                        <li key={change}>{change}</li>
                      ))}
                    </ul>
                  )}
                </li>
              );
            })}
          </ol>
        )}
      </QueryState>
    </section>
  );
}
