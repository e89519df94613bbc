/** The sync run log: newest first, filtered by source, type and outcome; each run expands to its report. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId, useState, type CSSProperties } from "react";
import { useSearchParams } from "react-router-dom";

import { api, call, type Schema } from "../../api/client";
import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { PagerBar } from "../../components/Pager";
import { QueryState } from "../../components/States";
import { formatInt, formatWhen } from "../../lib/format";
import { KNOWN_TYPES, recordsNotWritten, runKind, typeLabel } from "../../lib/data";
import { RunReport } from "./RunReport";
import { useSyncHealth } from "./SyncHealth";

const PAGE_SIZE = 25;
const STATUSES: Schema<"SyncStatus">[] = ["success", "rejected", "failed", "running"];

type Run = Schema<"SyncRunRead">;

const VISUALLY_HIDDEN: CSSProperties = { position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)", whiteSpace: "nowrap" };

function duration(run: Run): string {
  if (!run.completed_at) return "—";
  const seconds = (new Date(run.completed_at).getTime() - new Date(run.started_at).getTime()) / 1000;
  if (Number.isNaN(seconds)) return "—";
  return seconds < 60 ? `${seconds.toFixed(seconds < 10 ? 2 : 0)} s` : `${(seconds / 60).toFixed(1)} min`;
}

function RunRow({ run, open, onToggle }: { run: Run; open: boolean; onToggle: () => void }) {
  const detailId = useId();
  const notWritten = recordsNotWritten(run);
  return (
    <>
      <tr data-testid="run-row">
        <td>
          <button type="button" aria-expanded={open} aria-controls={detailId} onClick={onToggle} aria-label={`${open ? "Hide" : "Show"} the report of ${run.integration_name} at ${formatWhen(run.started_at)}`}>
            {open ? "▾" : "▸"}
          </button>
        </td>
        <td style={{ whiteSpace: "nowrap" }}>{formatWhen(run.started_at)}</td>
        <td>
          <strong style={{ overflowWrap: "anywhere" }}>{run.integration_name}</strong>
          <div className="muted">{runKind(run)}</div>
        </td>
        <td>
          <Badge status={run.sync_status} />
        </td>
        <td className="num">{formatInt(run.records_received)}</td>
        <td className="num">{formatInt(run.records_synced)}</td>
        <td className="num">{notWritten === null ? "—" : formatInt(notWritten)}</td>
        <td className="num" style={{ whiteSpace: "nowrap" }}>
          {duration(run)}
        </td>
        <td style={{ maxWidth: 360, color: run.error_message ? "var(--danger)" : undefined }}>{run.error_message ?? ""}</td>
      </tr>
      {open && (
        <tr id={detailId}>
          <td />
          <td colSpan={8} style={{ background: "#fafafa" }}>
            <RunReport metadata={run.metadata} />
          </td>
        </tr>
      )}
    </>
  );
}

export function RunLogCard() {
  const [params, setParams] = useSearchParams();
  const source = params.get("source") ?? "";
  const type = params.get("type") ?? "";
  const status = (params.get("status") ?? "") as Schema<"SyncStatus"> | "";
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const health = useSyncHealth();

  const query = useQuery({
    queryKey: ["data", "sync-log", { source, type, status, offset }],
    queryFn: () =>
      call(
        api.GET("/api/v1/integrations/sync-log", {
          params: {
            query: {
              limit: PAGE_SIZE,
              offset,
              source: source || undefined,
              type: type || undefined,
              status: status || undefined,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  function setFilter(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    next.delete("offset");
    setParams(next, { replace: true });
  }

  function goTo(nextOffset: number) {
    const next = new URLSearchParams(params);
    if (nextOffset > 0) next.set("offset", String(nextOffset));
    else next.delete("offset");
    setParams(next);
  }

  function toggle(id: string) {
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  const sources = [...new Set((health.data?.sources ?? []).map((s) => s.source_name))].sort();
  if (source && !sources.includes(source)) sources.unshift(source);
  const types = [...new Set([...KNOWN_TYPES, ...(health.data?.sources ?? []).map((s) => s.integration_type)])];
  if (type && !types.includes(type)) types.unshift(type);
  const filtered = Boolean(source || type || status);

  return (
    <Card title="Run log" id="run-log" actions={query.isFetching && !query.isPending && <span className="muted">Updating…</span>}>
      <div className="row" style={{ marginBottom: "0.75rem", alignItems: "flex-end" }}>
        <label>
          Source
          <select value={source} onChange={(e) => setFilter("source", e.target.value)}>
            <option value="">All sources</option>
            {sources.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setFilter("type", e.target.value)}>
            <option value="">All types</option>
            {types.map((name) => (
              <option key={name} value={name}>
                {typeLabel(name)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Outcome
          <select value={status} onChange={(e) => setFilter("status", e.target.value)}>
            <option value="">Any outcome</option>
            {STATUSES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {filtered && (
          <button type="button" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </button>
        )}
      </div>
      <QueryState
        query={query}
        loading="Loading the run log…"
        isEmpty={(page) => page.items.length === 0}
        empty={
          filtered ? (
            <>No run matches these filters.</>
          ) : (
            <>
              <strong>No runs yet.</strong> Every CSV ingest, onboarding run, SFTP or inbox pull, EDI file and event-stream
              batch is logged here with its validation report.
            </>
          )
        }
      >
        {(page) => (
          <>
            <div className="table-wrap">
              <table aria-label="Sync runs">
                <thead>
                  <tr>
                    <th>
                      <span style={VISUALLY_HIDDEN}>Report</span>
                    </th>
                    <th>Started (UTC)</th>
                    <th>Source and run</th>
                    <th>Outcome</th>
                    <th className="num">Received</th>
                    <th className="num">Written</th>
                    <th className="num">Not written</th>
                    <th className="num">Took</th>
                    <th>Error</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((run) => (
                    <RunRow key={run.sync_id} run={run} open={open.has(run.sync_id)} onToggle={() => toggle(run.sync_id)} />
                  ))}
                </tbody>
              </table>
            </div>
            <PagerBar
              label="Runs"
              summary={`Runs ${formatInt(page.offset + 1)}–${formatInt(page.offset + page.items.length)} of ${formatInt(page.total)}`}
              hasPrevious={page.offset !== 0}
              hasNext={page.offset + page.items.length < page.total}
              onPrevious={() => goTo(Math.max(0, page.offset - PAGE_SIZE))}
              onNext={() => goTo(page.offset + PAGE_SIZE)}
            />
          </>
        )}
      </QueryState>
    </Card>
  );
}
