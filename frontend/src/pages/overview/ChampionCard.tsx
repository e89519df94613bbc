/** The champion model and its health (and the challenger, when there is one). */
import { Link } from "react-router-dom";

import { Badge } from "../../components/Badge";
import { Card, Stat } from "../../components/Card";
import { QueryState } from "../../components/States";
import { formatInt, formatNumber } from "../../lib/format";
import { useModelHealth } from "./queries";

const TREND_WORDS: Record<string, string> = {
  improving: "improving vs the week before",
  degrading: "worse than the week before",
  stable: "stable vs the week before",
  unknown: "no earlier week to compare",
};

export function ChampionCard() {
  const query = useModelHealth();
  return (
    <Card title="Champion model" id="card-champion" actions={<Link to="/models">Open models</Link>}>
      <QueryState
        query={query}
        loading="Loading model health…"
        isEmpty={(health) => health.champion === null}
        empty={
          <>
            <strong>No champion model yet.</strong> Load sales, then train one (<code>shelfops demo</code> or a retrain
            from the Models page); the promotion gate makes the first champion.
          </>
        }
      >
        {(health) => {
          const champion = health.champion!;
          const challenger = health.challenger;
          return (
            <>
              <div className="row" style={{ marginBottom: "0.5rem" }} data-testid="champion">
                <strong style={{ fontSize: "1.25rem" }}>{champion.version}</strong>
                <Badge status={champion.status} />
                <span className="muted">{health.model_name}</span>
              </div>
              <div className="row" style={{ gap: "1.5rem" }}>
                <Stat
                  label="MAE, last 7 days"
                  value={formatNumber(champion.mae_7d)}
                  hint={TREND_WORDS[champion.trend] ?? champion.trend}
                />
                <Stat label="Backtest MAE" value={formatNumber(champion.baseline_mae)} hint={`${formatInt(champion.evaluated_points)} points scored`} />
              </div>
              {challenger && (
                <p className="muted" style={{ marginBottom: 0 }}>
                  Challenger <strong>{challenger.version}</strong>:{" "}
                  {challenger.mae_7d === null
                    ? "no shadow forecasts scored yet."
                    : `MAE ${formatNumber(challenger.mae_7d)} vs the champion's ${formatNumber(challenger.champion_mae_7d)} on the same rows${
                        challenger.promotion_eligible ? " — eligible for promotion." : "."
                      }`}
                </p>
              )}
            </>
          );
        }}
      </QueryState>
    </Card>
  );
}
