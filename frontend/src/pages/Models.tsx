/**
 * The Models page: champion and challenger health, the version history with every
 * decision and its reasons, one version's backtest, feature importance and model card,
 * and — for ML managers and admins — promote, shadow, archive and rollback with a reason.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router-dom";

import { useCan } from "../auth/AuthContext";
import { DecisionDialog, type DecisionRequest } from "./models/DecisionDialog";
import { HealthPanel } from "./models/HealthPanel";
import { HistoryPanel } from "./models/HistoryPanel";
import { modelQueries } from "./models/queries";
import { VersionDetail } from "./models/VersionDetail";

export function ModelsPage() {
  const canManage = useCan("ml_manager");
  const [params, setParams] = useSearchParams();
  const [request, setRequest] = useState<DecisionRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const health = useQuery(modelQueries.health());
  const champion = health.data?.champion?.version ?? null;
  // The version shown in detail: the one picked (kept in the URL), else the champion.
  const selected = params.get("version") ?? champion;

  const decide = (next: DecisionRequest) => {
    setNotice(null);
    setRequest(next);
  };

  return (
    <>
      <h1>Models</h1>
      <p className="muted" style={{ marginTop: "-0.5rem" }}>
        The demand forecast model's champion (serving forecasts) and challenger (forecasting in shadow), every version
        with the decisions about it, and each version's backtest, feature importance and model card.
        {!canManage && " Promotion and rollback need the ML manager or admin role."}
      </p>
      {notice && (
        <div className="notice" role="status" style={{ marginBottom: "1rem" }}>
          {notice}
        </div>
      )}
      <HealthPanel canManage={canManage} onDecide={decide} />
      <div className="section">
        <HistoryPanel
          selected={selected}
          onSelect={(version) => setParams({ version })}
          canManage={canManage}
          champion={champion}
          onDecide={decide}
        />
      </div>
      {selected && <VersionDetail key={selected} version={selected} />}
      {request && (
        <DecisionDialog
          key={`${request.action}:${request.version}`}
          request={request}
          onClose={() => setRequest(null)}
          onDone={setNotice}
        />
      )}
    </>
  );
}
