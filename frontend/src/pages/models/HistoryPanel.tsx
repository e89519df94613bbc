/** Version history (`GET /models/history`, paginated): every version with every decision and its reasons. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import type { Schema } from "../../api/client";
import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { NewestFirstPager } from "../../components/Pager";
import { QueryState } from "../../components/States";
import { formatNumber, formatWhen } from "../../lib/format";
import { ACTION_LABELS, decisionLines, versionActions } from "../../lib/models";
import type { DecisionRequest } from "./DecisionDialog";
import { HISTORY_PAGE, modelQueries } from "./queries";

type VersionRead = Schema<"VersionRead">;

function Decisions({ version }: { version: VersionRead }) {
  const lines = decisionLines(version.decisions);
  if (lines.length === 0) return <span className="muted">No decisions recorded.</span>;
  return (
    <ol style={{ margin: 0, paddingLeft: "1.1rem" }} data-testid={`decisions-${version.version}`}>
      {lines.map((line) => (
        <li key={line.id} style={{ marginBottom: "0.4rem" }}>
          <strong>{line.headline}</strong> <span className="muted">· {formatWhen(line.when)}</span>
          {line.context.length > 0 && <span className="muted"> · {line.context.join(" · ")}</span>}
          {line.reasons.length > 0 && (
            <ul style={{ margin: "0.15rem 0 0", paddingLeft: "1.1rem" }}>
              {line.reasons.map((reason, index) => (
                <li key={index}>{reason}</li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}

export function HistoryPanel({
  selected,
  onSelect,
  canManage,
  champion,
  onDecide,
}: {
  selected: string | null;
  onSelect: (version: string) => void;
  canManage: boolean;
  champion: string | null;
  onDecide: (request: DecisionRequest) => void;
}) {
  const [offset, setOffset] = useState(0);
  const history = useQuery({ ...modelQueries.history(offset), placeholderData: keepPreviousData });
  return (
    <Card title="Version history" id="history-title">
      <QueryState
        query={history}
        loading="Loading versions…"
        isEmpty={(page) => page.items.length === 0}
        empty="No model versions yet: the first retrain creates v1."
      >
        {(page) => (
          <>
            <div className="table-wrap">
              <table aria-labelledby="history-title">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>Status</th>
                    <th className="num">Backtest MAE</th>
                    <th>Training window</th>
                    <th>Decisions and reasons (newest first)</th>
                    <th>Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((version) => {
                    const mae = typeof version.metrics.mae === "number" ? version.metrics.mae : null;
                    return (
                      <tr key={version.model_id} data-testid={`version-row-${version.version}`}>
                        <td>
                          <strong>{version.version}</strong>
                          <div className="muted" style={{ fontSize: "0.8rem" }}>
                            {version.feature_tier ?? "—"} · {formatWhen(version.created_at)}
                          </div>
                        </td>
                        <td>
                          <Badge status={version.status} />
                        </td>
                        <td className="num">{formatNumber(mae, 3)}</td>
                        <td style={{ whiteSpace: "nowrap" }}>
                          {formatWhen(version.training_window_start)} → {formatWhen(version.training_window_end)}
                        </td>
                        <td>
                          <Decisions version={version} />
                        </td>
                        <td>
                          <div className="row" style={{ flexDirection: "column", alignItems: "stretch" }}>
                            <button
                              type="button"
                              aria-pressed={selected === version.version}
                              className={selected === version.version ? "primary" : undefined}
                              onClick={() => onSelect(version.version)}
                            >
                              View {version.version}
                            </button>
                            {canManage &&
                              versionActions(version.status).map((action) => (
                                <button
                                  key={action}
                                  type="button"
                                  className={action === "archive" ? "danger" : undefined}
                                  aria-label={`${ACTION_LABELS[action]}: ${version.version}`}
                                  onClick={() => onDecide({ action, version: version.version, champion })}
                                >
                                  {ACTION_LABELS[action]}
                                </button>
                              ))}
                          </div>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <NewestFirstPager label="Versions" prefix="Versions" page={page} offset={offset} step={HISTORY_PAGE} onOffset={setOffset} />
          </>
        )}
      </QueryState>
    </Card>
  );
}
