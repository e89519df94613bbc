/** Champion and challenger health (`GET /models/health`), with promote and rollback for managers. */
import { useQuery } from "@tanstack/react-query";

import type { Schema } from "../../api/client";
import { Badge } from "../../components/Badge";
import { Card, Stat } from "../../components/Card";
import { QueryState } from "../../components/States";
import { formatInt, formatNumber, formatPercent } from "../../lib/format";
import { healthWords, maeImprovement } from "../../lib/models";
import type { DecisionRequest } from "./DecisionDialog";
import { modelQueries } from "./queries";

type ModelHealth = Schema<"ModelHealth">;

function Champion({ health, canManage, onDecide }: { health: ModelHealth; canManage: boolean; onDecide: (r: DecisionRequest) => void }) {
  const champion = health.champion;
  if (!champion) {
    return (
      <Card title="Champion" id="champion-title">
        <p className="muted">No champion yet: the first retrain that beats the seasonal-naive baseline becomes one.</p>
      </Card>
    );
  }
  return (
    <Card
      title={
        <>
          Champion <span data-testid="champion-version">{champion.version}</span> <Badge status={champion.status} />
        </>
      }
      id="champion-title"
      actions={
        canManage && (
          <button type="button" className="danger" onClick={() => onDecide({ action: "rollback", version: champion.version })}>
            Roll back champion
          </button>
        )
      }
    >
      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fill, minmax(130px, 1fr))" }}>
        <Stat label="Live MAE, last 7 days" value={formatNumber(champion.mae_7d)} />
        <Stat label="Backtest MAE" value={formatNumber(champion.baseline_mae)} />
        <Stat label="Trend" value={champion.trend} />
        <Stat label="Forecasts evaluated" value={formatInt(champion.evaluated_points)} />
      </div>
      <p className="muted" style={{ marginBottom: 0 }}>
        {healthWords(champion.status, champion.trend)}
      </p>
    </Card>
  );
}

function Challenger({ health, canManage, onDecide }: { health: ModelHealth; canManage: boolean; onDecide: (r: DecisionRequest) => void }) {
  const challenger = health.challenger;
  if (!challenger) {
    return (
      <Card title="Challenger" id="challenger-title">
        <p className="muted">No challenger: every retrain so far was promoted or archived.</p>
      </Card>
    );
  }
  const gain = maeImprovement(challenger.mae_7d, challenger.champion_mae_7d);
  return (
    <Card
      title={
        <>
          Challenger <span data-testid="challenger-version">{challenger.version}</span>{" "}
          <Badge
            status={challenger.promotion_eligible ? "ok" : "info"}
            label={challenger.promotion_eligible ? "eligible for promotion" : "not eligible"}
          />
        </>
      }
      id="challenger-title"
      actions={
        canManage && (
          <button
            type="button"
            className="primary"
            onClick={() => onDecide({ action: "promote", version: challenger.version, champion: health.champion?.version })}
          >
            Promote {challenger.version}
          </button>
        )
      }
    >
      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fill, minmax(130px, 1fr))" }}>
        <Stat label="Shadow MAE, last 7 days" value={formatNumber(challenger.mae_7d)} />
        <Stat label="Champion MAE, same rows" value={formatNumber(challenger.champion_mae_7d)} />
        <Stat label="Improvement" value={formatPercent(gain)} />
        <Stat label="Shadow forecasts evaluated" value={formatInt(challenger.evaluated_points)} />
      </div>
      <p className="muted" style={{ marginBottom: 0 }}>
        {challenger.evaluated_points === 0
          ? "Not eligible yet: none of its shadow forecasts has been scored against actual sales."
          : challenger.promotion_eligible
            ? "Its shadow forecasts beat the champion's on the same rows by the gate's margin. Eligibility is advice: promotion stays a person's decision."
            : "Its shadow forecasts do not beat the champion's on the same rows by the gate's margin (5%)."}
      </p>
    </Card>
  );
}

export function HealthPanel({ canManage, onDecide }: { canManage: boolean; onDecide: (r: DecisionRequest) => void }) {
  const health = useQuery(modelQueries.health());
  return (
    <QueryState
      query={health}
      loading="Loading model health…"
      isEmpty={(data) => !data.champion && !data.challenger}
      empty="No model yet: run a retrain (shelfops retrain, or POST /api/v1/models/retrain) to train the first one."
    >
      {(data) => (
        <div className="grid-2">
          <Champion health={data} canManage={canManage} onDecide={onDecide} />
          <Challenger health={data} canManage={canManage} onDecide={onDecide} />
        </div>
      )}
    </QueryState>
  );
}
