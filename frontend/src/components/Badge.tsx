/** A status word in a coloured pill; the tone comes from the status's meaning. */
const TONES: Record<string, "ok" | "warn" | "danger" | "info"> = {
  ok: "ok", success: "ok", healthy: "ok", champion: "ok", approved: "ok", received: "ok", resolved: "ok", completed: "ok", fresh: "ok",
  low: "warn", warning: "warn", stale: "warn", suggested: "info", challenger: "info", candidate: "info", shadow: "info", proposed: "info",
  in_progress: "info", shadow_testing: "info", running: "info", unread: "info", open: "warn", acknowledged: "info", read: "info", edited: "info",
  critical: "danger", out_of_stock: "danger", failed: "danger", rejected: "danger", breached: "danger", high: "danger", degraded: "warn",
  medium: "warn", info: "info", archived: "info", dismissed: "info", actioned: "ok",
  never_synced: "warn", no_sources: "info", missing: "warn",
};

export function toneOf(status: string): string {
  return TONES[status.toLowerCase()] ?? "";
}

export function Badge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge ${toneOf(status)}`}>{label ?? status.replaceAll("_", " ")}</span>;
}
