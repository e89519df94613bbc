/** Sync health: the tenant's overall status and each source against its SLA. */
import { useQuery } from "@tanstack/react-query";

import { api, call, type Schema } from "../../api/client";
import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { QueryState } from "../../components/States";
import { formatAge, formatInt, formatWhen } from "../../lib/format";
import { freshnessLine, typeLabel } from "../../lib/data";
import { syncStatusWords } from "../../lib/overview";

export const SYNC_HEALTH_KEY = ["data", "sync-health"] as const;

export function useSyncHealth() {
  return useQuery({
    queryKey: SYNC_HEALTH_KEY,
    queryFn: () => call(api.GET("/api/v1/integrations/sync-health")),
  });
}

function Counts({ counts }: { counts: Schema<"SyncCounts"> }) {
  const problems = counts.failed + counts.rejected;
  return (
    <>
      {formatInt(counts.runs)} run(s)
      {problems > 0 && (
        <span style={{ color: "var(--danger)" }}>
          {" "}
          ({counts.failed > 0 && `${formatInt(counts.failed)} failed`}
          {counts.failed > 0 && counts.rejected > 0 && ", "}
          {counts.rejected > 0 && `${formatInt(counts.rejected)} rejected`})
        </span>
      )}
      <div className="muted">
        {formatInt(counts.records_in)} in · {formatInt(counts.records_written)} written
        {counts.records_rejected > 0 && ` · ${formatInt(counts.records_rejected)} not written`}
      </div>
    </>
  );
}

function SourceRow({ source }: { source: Schema<"SourceHealth"> }) {
  return (
    <tr data-testid={`source-${source.source_name}`}>
      <td>
        <strong>{source.source_name}</strong>
        <div className="muted">
          {typeLabel(source.integration_type)} · {source.configured ? "contract profile" : "seen in the log only"}
        </div>
      </td>
      <td>
        <Badge status={source.status} />
      </td>
      <td>
        {freshnessLine(source, formatAge)}
        <div className="muted">
          SLA from {source.sla_origin === "profile" ? "the profile" : "the type's default"} · last success {formatWhen(source.last_success_at)}
        </div>
      </td>
      <td>
        {source.last_run_status ? <Badge status={source.last_run_status} /> : <span className="muted">no run</span>}
        <div className="muted" style={{ whiteSpace: "nowrap" }}>
          {formatWhen(source.last_run_at)}
        </div>
      </td>
      <td style={{ maxWidth: 320 }}>
        {source.last_error ? (
          <>
            <span style={{ color: "var(--danger)" }}>{source.last_error}</span>
            <div className="muted">{formatWhen(source.last_error_at)}</div>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        <Counts counts={source.last_24h} />
      </td>
    </tr>
  );
}

export function SyncHealthCard() {
  const query = useSyncHealth();
  return (
    <Card title="Sync health" id="sync-health" actions={query.data && <span className="muted">checked {formatWhen(query.data.checked_at)} UTC</span>}>
      <QueryState
        query={query}
        loading="Loading sync health…"
        isEmpty={(health) => health.sources.length === 0 && (health.profile_errors ?? []).length === 0}
        empty={
          <>
            <strong>No data sources yet.</strong> Load data with <code>shelfops ingest DIR</code> or onboard a source with a
            contract profile (<code>shelfops onboard --profile … --source …</code>); SFTP, inbox, EDI and event-stream
            sources appear here once their profile is in place.
          </>
        }
      >
        {(health) => (
          <>
            <div className="row" style={{ marginBottom: "0.75rem" }} data-testid="sync-overall">
              <Badge status={health.status} />
              <span>{syncStatusWords(health.status)}</span>
              <span className="muted">· {formatInt(health.sources.length)} source(s)</span>
            </div>
            {(health.profile_errors ?? []).length > 0 && (
              <div className="state error" role="alert" style={{ marginBottom: "0.75rem" }}>
                <strong>Some contract profiles could not be read</strong>
                <span>Their sources show the default SLA of their type, and sources only a profile names are missing.</span>
                <ul style={{ margin: "0.25rem 0 0" }}>
                  {(health.profile_errors ?? []).map((error) => (
                    <li key={error}>{error}</li>
                  ))}
                </ul>
              </div>
            )}
            {health.sources.length > 0 && (
              <div className="table-wrap">
                <table aria-label="Sources">
                  <thead>
                    <tr>
                      <th>Source</th>
                      <th>Status</th>
                      <th>Freshness</th>
                      <th>Last run</th>
                      <th>Last error</th>
                      <th>Last 24 h</th>
                    </tr>
                  </thead>
                  <tbody>
                    {health.sources.map((source) => (
                      <SourceRow key={source.source_name} source={source} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </QueryState>
    </Card>
  );
}
