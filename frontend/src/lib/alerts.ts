/**
 * Data shaping of the Alerts page: status and type words, which actions an alert's status
 * allows (the API's status flows), list queries and the facts behind an alert.
 * Pure functions: no React, no fetching.
 */
import type { Schema } from "../api/client";
import { formatNumber, formatPercent } from "./format";

export type Severity = Schema<"Severity">;
export type StockAlertStatus = Schema<"AlertStatus">;
export type StockAlertType = Schema<"StockAlertType">;
export type MlAlertStatus = Schema<"MLAlertStatus">;
export type MlAlertStats = Schema<"MLAlertStats">;

export const SEVERITIES: readonly { value: Severity; label: string }[] = [
  { value: "critical", label: "Critical" },
  { value: "warning", label: "Warning" },
  { value: "info", label: "Info" },
];

// --- stock alerts ----------------------------------------------------------------------------

/** Stock alert status flow: open → acknowledged → resolved | dismissed, or open → resolved | dismissed. */
export type StockAlertAction = "acknowledge" | "resolve" | "dismiss";

export const STOCK_ALERT_ACTIONS: readonly { action: StockAlertAction; label: string; done: string }[] = [
  { action: "acknowledge", label: "Acknowledge", done: "acknowledged" },
  { action: "resolve", label: "Resolve", done: "resolved" },
  { action: "dismiss", label: "Dismiss", done: "dismissed" },
];

/** The actions a stock alert in `status` allows; resolved and dismissed are final. */
export function stockAlertActions(status: StockAlertStatus): StockAlertAction[] {
  if (status === "open") return ["acknowledge", "resolve", "dismiss"];
  if (status === "acknowledged") return ["resolve", "dismiss"];
  return [];
}

const STOCK_STATUS_WORDS: Record<StockAlertStatus, string> = {
  open: "Open",
  acknowledged: "Acknowledged",
  resolved: "Resolved",
  dismissed: "Dismissed",
};

export function stockAlertStatusWord(status: StockAlertStatus): string {
  return STOCK_STATUS_WORDS[status];
}

/** The status choices of the stock-alert filter; "active" (open or acknowledged) is the default. */
export const STOCK_ALERT_VIEWS = [
  { key: "active", label: "Open or acknowledged", statuses: ["open", "acknowledged"] },
  { key: "open", label: "Open", statuses: ["open"] },
  { key: "acknowledged", label: "Acknowledged", statuses: ["acknowledged"] },
  { key: "resolved", label: "Resolved", statuses: ["resolved"] },
  { key: "dismissed", label: "Dismissed", statuses: ["dismissed"] },
  { key: "all", label: "Any status", statuses: [] },
] as const satisfies readonly { key: string; label: string; statuses: readonly StockAlertStatus[] }[];

export type StockAlertViewKey = (typeof STOCK_ALERT_VIEWS)[number]["key"];

export const STOCK_ALERT_TYPES: readonly { value: StockAlertType; label: string }[] = [
  { value: "stockout_predicted", label: "Stock-out predicted" },
  { value: "reorder_recommended", label: "Reorder recommended" },
  { value: "phantom_stock", label: "Phantom stock" },
  { value: "integration_sla_breach", label: "Integration SLA breach" },
];

/** An alert type (`drift_detected`, `phantom_stock`) for people: known words, else the code spaced out. */
export function alertTypeWord(type: string): string {
  const known = STOCK_ALERT_TYPES.find((t) => t.value === type)?.label ?? ML_TYPE_WORDS[type];
  if (known) return known;
  const spaced = type.replaceAll("_", " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export interface StockAlertFilters {
  view: StockAlertViewKey;
  severity: Severity | "";
  type: StockAlertType | "";
  offset: number;
  limit: number;
}

export const DEFAULT_STOCK_ALERT_FILTERS: StockAlertFilters = { view: "active", severity: "", type: "", offset: 0, limit: 25 };

/** The query parameters of `GET /alerts` for the filters: empty ones are left out. */
export function stockAlertQuery(filters: StockAlertFilters): {
  limit: number;
  offset: number;
  status?: StockAlertStatus[];
  severity?: Severity;
  type?: StockAlertType;
} {
  const query: ReturnType<typeof stockAlertQuery> = { limit: filters.limit, offset: filters.offset };
  const statuses = STOCK_ALERT_VIEWS.find((v) => v.key === filters.view)?.statuses ?? [];
  if (statuses.length > 0) query.status = [...statuses];
  if (filters.severity) query.severity = filters.severity;
  if (filters.type) query.type = filters.type;
  return query;
}

// --- ML alerts -------------------------------------------------------------------------------

const ML_TYPE_WORDS: Record<string, string> = {
  drift_detected: "Drift detected",
  challenger_ready: "Challenger ready",
  model_promoted: "Model promoted",
};

const ML_STATUS_WORDS: Record<MlAlertStatus, string> = {
  unread: "Unread",
  read: "Read",
  actioned: "Approved",
  dismissed: "Dismissed",
};

/** An ML alert status for people (`actioned` is what approving leads to). */
export function mlAlertStatusWord(status: MlAlertStatus): string {
  return ML_STATUS_WORDS[status];
}

export const ML_ALERT_STATUSES: readonly MlAlertStatus[] = ["unread", "read", "actioned", "dismissed"];

/**
 * The actions an ML alert in `status` allows (unread → read → actioned | dismissed; unread
 * may be acted on directly; actioned and dismissed are final). `markRead` is open to any
 * key, `approve`/`dismiss` need the ml_manager role (the caller checks that).
 */
export function mlAlertActions(status: MlAlertStatus): { markRead: boolean; approve: boolean; dismiss: boolean } {
  const open = status === "unread" || status === "read";
  return { markRead: status === "unread", approve: open, dismiss: open };
}

export interface MlAlertFilters {
  status: MlAlertStatus | "";
  severity: Severity | "";
  offset: number;
  limit: number;
}

export const DEFAULT_ML_ALERT_FILTERS: MlAlertFilters = { status: "", severity: "", offset: 0, limit: 25 };

/** The query parameters of `GET /ml-alerts` for the filters: empty ones are left out. */
export function mlAlertQuery(filters: MlAlertFilters): {
  limit: number;
  offset: number;
  status?: MlAlertStatus;
  severity?: Severity;
} {
  const query: ReturnType<typeof mlAlertQuery> = { limit: filters.limit, offset: filters.offset };
  if (filters.status) query.status = filters.status;
  if (filters.severity) query.severity = filters.severity;
  return query;
}

/** The unread counts of the stats, most severe first, and the total. */
export function unreadBySeverity(stats: MlAlertStats): { severity: Severity; label: string; count: number }[] {
  return SEVERITIES.map(({ value, label }) => ({ severity: value, label, count: stats.unread[value] }));
}

// --- the facts behind an alert ---------------------------------------------------------------

type Fact = [label: string, value: string];

const FACTS: { key: string; label: string; show: (v: number) => string }[] = [
  { key: "days_of_supply", label: "Days of supply", show: (v) => formatNumber(v, 1) },
  { key: "lead_time_days", label: "Lead time (days)", show: (v) => formatNumber(v, 1) },
  { key: "on_hand", label: "On hand", show: (v) => formatNumber(v) },
  { key: "inventory_position", label: "Inventory position", show: (v) => formatNumber(v) },
  { key: "reorder_point", label: "Reorder point", show: (v) => formatNumber(v, 1) },
  { key: "recommended_quantity", label: "Recommended quantity", show: (v) => formatNumber(v) },
  { key: "probability", label: "Probability the stock is not there", show: (v) => formatPercent(v) },
  { key: "days_without_sales", label: "Days without sales", show: (v) => formatNumber(v, 0) },
  { key: "expected_units", label: "Units expected meanwhile", show: (v) => formatNumber(v, 1) },
  { key: "mae_7d", label: "MAE, last 7 days", show: (v) => formatNumber(v, 3) },
  { key: "baseline_mae", label: "Baseline MAE", show: (v) => formatNumber(v, 3) },
  { key: "mae_change", label: "MAE change", show: (v) => `${v >= 0 ? "+" : ""}${formatPercent(v)}` },
  { key: "threshold", label: "Drift threshold", show: (v) => formatPercent(v, 0) },
];

const TEXT_FACTS: { key: string; label: string }[] = [
  { key: "champion_version", label: "Champion" },
  { key: "version", label: "Version" },
  { key: "trigger", label: "Trigger" },
  { key: "last_sale_date", label: "Last sale" },
  { key: "window_end", label: "Window ends" },
  { key: "auto_resolved_on", label: "Resolved automatically on" },
];

/** The known numbers and words of an alert's metadata as labelled facts, in a fixed order; unknown keys are left out. */
export function alertFacts(metadata: Record<string, unknown> | null | undefined): Fact[] {
  if (!metadata) return [];
  const facts: Fact[] = [];
  for (const { key, label, show } of FACTS) {
    const value = metadata[key];
    if (typeof value === "number" && Number.isFinite(value)) facts.push([label, show(value)]);
  }
  for (const { key, label } of TEXT_FACTS) {
    const value = metadata[key];
    if (typeof value === "string" && value) facts.push([label, value]);
  }
  return facts;
}
