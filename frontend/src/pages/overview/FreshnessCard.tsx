/** Data freshness and SLOs: each sync source against its SLA, and the nightly forecast steps. */
import { Link } from "react-router-dom";

import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { QueryState } from "../../components/States";
import { formatAge } from "../../lib/format";
import { freshnessRows, syncStatusWords } from "../../lib/overview";
import { useForecastFreshness, useSyncHealth } from "./queries";

const MAX_SOURCES = 5;

function Sources() {
  const query = useSyncHealth();
  return (
    <QueryState
      query={query}
      loading="Loading sync health…"
      isEmpty={(health) => health.sources.length === 0}
      empty={<>No data sources yet: nothing has been ingested or onboarded.</>}
    >
      {(health) => (
        <>
          <div className="row" style={{ marginBottom: "0.5rem" }} data-testid="sync-overall">
            <Badge status={health.status} /> <span>{syncStatusWords(health.status)}</span>
          </div>
          <ul style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Sources">
            {health.sources.slice(0, MAX_SOURCES).map((source) => (
              <li key={source.source_name} className="row" style={{ padding: "0.2rem 0" }}>
                <Badge status={source.status} />
                <span>{source.source_name}</span>
                <span className="spacer" />
                <span className="muted">
                  {source.freshness_hours === null ? "never" : `${formatAge(source.freshness_hours)} old`} · SLA {formatAge(source.sla_hours)}
                </span>
              </li>
            ))}
          </ul>
          {health.sources.length > MAX_SOURCES && (
            <p className="muted" style={{ margin: "0.25rem 0 0" }}>
              and {health.sources.length - MAX_SOURCES} more on the <Link to="/data">Data page</Link>.
            </p>
          )}
        </>
      )}
    </QueryState>
  );
}

function Forecasts() {
  const query = useForecastFreshness();
  return (
    <QueryState query={query} loading="Loading forecast freshness…">
      {(freshness) => (
        <ul style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Forecast freshness">
          {freshnessRows(freshness).map((row) => (
            <li key={row.key} className="row" style={{ padding: "0.2rem 0" }} data-testid={`freshness-${row.key}`}>
              <Badge status={row.status} />
              <strong>{row.label}</strong>
              <span className="muted">{row.words}</span>
            </li>
          ))}
        </ul>
      )}
    </QueryState>
  );
}

export function FreshnessCard() {
  return (
    <Card title="Data freshness" id="card-freshness" actions={<Link to="/data">Open data</Link>}>
      <h3>Sources</h3>
      <Sources />
      <h3 style={{ marginTop: "1rem" }}>Forecast pipeline</h3>
      <Forecasts />
    </Card>
  );
}
