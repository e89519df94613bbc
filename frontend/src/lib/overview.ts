/**
 * Data shaping of the Overview page: the accuracy trend as chart rows, stock-out risk,
 * suggested-order totals, alert counts by severity and data-freshness words.
 * Pure functions; every one is checked in `overview.test.ts`.
 */

import type { Schema } from "../api/client";

/** One forecast date of `GET /api/v1/forecasts/accuracy-trend` (oldest first). */
export type AccuracyPoint = Schema<"AccuracyPoint">;

/** `GET /api/v1/forecasts/freshness`. */
export type ForecastFreshness = Schema<"ForecastFreshness">;

/** One point of the accuracy chart: MAE in units, WAPE and coverage as shares 0…1. */
export interface AccuracyRow {
  date: string;
  mae: number;
  wape: number | null;
  coverage: number | null;
  series: number;
  bias: number;
  stockout_days: number;
}

/** The trend as chart rows, sorted by date (the API sends oldest first; a shuffled answer still draws left to right). */
export function accuracyRows(points: readonly AccuracyPoint[]): AccuracyRow[] {
  return [...points]
    .sort((a, b) => a.date.localeCompare(b.date))
    .map((p) => ({ date: p.date, mae: p.mae, wape: p.wape, coverage: p.coverage, series: p.series, bias: p.bias, stockout_days: p.stockout_days }));
}

export interface AccuracySummary {
  latest: AccuracyRow;
  /** MAE of the latest date against the mean MAE of the dates before it (−0.1 = 10 % better); null with one date. */
  maeChange: number | null;
  /** Row-weighted mean coverage over the window (rows without coverage left out). */
  coverage: number | null;
  days: number;
}

/** The headline numbers above the chart; null when there is no scored date. */
export function accuracySummary(points: readonly AccuracyPoint[]): AccuracySummary | null {
  const rows = accuracyRows(points);
  const latest = rows.at(-1);
  if (!latest) return null;
  const before = rows.slice(0, -1);
  const meanBefore = before.length ? before.reduce((sum, r) => sum + r.mae, 0) / before.length : null;
  const maeChange = meanBefore ? latest.mae / meanBefore - 1 : null;
  let covered = 0;
  let weight = 0;
  for (const row of rows) {
    if (row.coverage === null) continue;
    covered += row.coverage * row.series;
    weight += row.series;
  }
  return { latest, maeChange, coverage: weight > 0 ? covered / weight : null, days: rows.length };
}

/** What the inventory list holds for one at-risk store × product (a subset of InventoryItem). */
export interface RiskItem {
  policy_id: number;
  store_code: string;
  product_code: string;
  product_name: string;
  stock_status: string | null;
  days_of_supply: number | null;
  on_hand: number | null;
  recommended_quantity: number | null;
}

const RISK_RANK: Record<string, number> = { out_of_stock: 0, critical: 1, low: 2, ok: 3 };

/**
 * The `limit` most urgent items: out of stock first, then critical; within a status the
 * fewest days of supply first (unknown last), then by product and store code.
 */
export function topRiskItems<T extends RiskItem>(items: readonly T[], limit = 5): T[] {
  const seen = new Set<number>();
  const unique = items.filter((item) => (seen.has(item.policy_id) ? false : (seen.add(item.policy_id), true)));
  return unique
    .sort(
      (a, b) =>
        (RISK_RANK[a.stock_status ?? ""] ?? 9) - (RISK_RANK[b.stock_status ?? ""] ?? 9) ||
        (a.days_of_supply ?? Infinity) - (b.days_of_supply ?? Infinity) ||
        a.product_code.localeCompare(b.product_code) ||
        a.store_code.localeCompare(b.store_code),
    )
    .slice(0, limit);
}

/** Suggested orders waiting for a planner: how many, and what they cost together. */
export interface PoTotals {
  count: number;
  value: number;
  /** Orders whose cost is unknown (a line without a unit cost). */
  unpriced: number;
  /** True when `value` covers only the orders fetched, not all `count`. */
  partial: boolean;
}

export function poTotals(items: readonly { total_cost: number | null }[], total: number): PoTotals {
  let value = 0;
  let unpriced = 0;
  for (const po of items) {
    if (po.total_cost === null || Number.isNaN(po.total_cost)) unpriced += 1;
    else value += po.total_cost;
  }
  return { count: total, value, unpriced, partial: items.length < total };
}

export const SEVERITIES = ["critical", "warning", "info"] as const;
export type SeverityName = (typeof SEVERITIES)[number];
export type SeverityCounts = Partial<Record<SeverityName, number>>;

export interface SeverityRow {
  severity: SeverityName;
  stock: number;
  ml: number;
  total: number;
}

/** Open stock alerts and unread ML alerts side by side, most severe first, with totals. */
export function alertRows(stock: SeverityCounts, ml: SeverityCounts): { rows: SeverityRow[]; stock: number; ml: number; total: number } {
  const rows = SEVERITIES.map((severity) => {
    const s = stock[severity] ?? 0;
    const m = ml[severity] ?? 0;
    return { severity, stock: s, ml: m, total: s + m };
  });
  const stockTotal = rows.reduce((sum, r) => sum + r.stock, 0);
  const mlTotal = rows.reduce((sum, r) => sum + r.ml, 0);
  return { rows, stock: stockTotal, ml: mlTotal, total: stockTotal + mlTotal };
}

export type FreshWord = "fresh" | "stale" | "missing";

export interface FreshnessRow {
  key: "sales" | "forecasts" | "accuracy";
  label: string;
  date: string | null;
  /** Days behind what it should be (0 = on time); null when the date is missing. */
  lagDays: number | null;
  status: FreshWord;
  /** One sentence a planner reads. */
  words: string;
}

/** Whole days from ISO date `a` to ISO date `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  const day = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)));
  return Math.round((day(b) - day(a)) / 86_400_000);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * How current the data and the nightly jobs are:
 * * sales are fresh when the newest sales day is at most `salesGraceDays` before today
 *   (yesterday's sales arrive overnight);
 * * forecasts are fresh when issued after the newest sales day (the job issues on the day after it);
 * * accuracy is fresh when the newest sales day that forecasts covered is scored (at most one day behind the sales).
 */
export function freshnessRows(f: ForecastFreshness, salesGraceDays = 1): FreshnessRow[] {
  const today = f.checked_at.slice(0, 10);
  const sales = f.latest_sales_date;
  const rows: FreshnessRow[] = [];

  if (sales === null) {
    rows.push({ key: "sales", label: "Sales", date: null, lagDays: null, status: "missing", words: "No sales loaded yet." });
  } else {
    const age = daysBetween(sales, today);
    const lag = Math.max(0, age - salesGraceDays);
    rows.push({
      key: "sales",
      label: "Sales",
      date: sales,
      lagDays: lag,
      status: lag === 0 ? "fresh" : "stale",
      words: age <= 0 ? "Up to today." : `Up to ${sales} (${plural(age, "day")} ago).`,
    });
  }

  const issue = f.latest_issue_date;
  if (issue === null) {
    rows.push({ key: "forecasts", label: "Forecasts", date: null, lagDays: null, status: "missing", words: "No forecast issued yet." });
  } else {
    const lag = sales === null ? 0 : Math.max(0, daysBetween(issue, sales) + 1);
    rows.push({
      key: "forecasts",
      label: "Forecasts",
      date: issue,
      lagDays: lag,
      status: lag === 0 ? "fresh" : "stale",
      words:
        lag === 0
          ? `Issued ${issue}${f.latest_forecast_date ? `, covering up to ${f.latest_forecast_date}` : ""}.`
          : `Issued ${issue}: ${plural(lag, "day")} of newer sales not forecast from yet.`,
    });
  }

  const scored = f.latest_accuracy_date;
  if (scored === null) {
    rows.push({ key: "accuracy", label: "Accuracy", date: null, lagDays: null, status: "missing", words: "No forecast scored yet." });
  } else {
    const lag = sales === null ? 0 : Math.max(0, daysBetween(scored, sales) - 1);
    rows.push({
      key: "accuracy",
      label: "Accuracy",
      date: scored,
      lagDays: lag,
      status: lag === 0 ? "fresh" : "stale",
      words: lag === 0 ? `Scored up to ${scored}.` : `Scored up to ${scored}: ${plural(lag, "day")} behind the sales.`,
    });
  }
  return rows;
}

/** The sync-health overall status in words. */
export function syncStatusWords(status: string): string {
  switch (status) {
    case "ok":
      return "Every source within its SLA";
    case "breached":
      return "A source is past its SLA";
    case "never_synced":
      return "A source has never synced";
    case "no_sources":
      return "No data sources yet";
    default:
      return status.replaceAll("_", " ");
  }
}

/**
 * Whether the tenant has no data at all yet: some loaded answer says so (no sync source,
 * no sales day) and none says otherwise. `undefined` means "not loaded (yet)".
 */
export function isEmptyTenant(signals: { syncStatus?: string; latestSalesDate?: string | null; inventoryItems?: number }): boolean {
  const says: boolean[] = [];
  if (signals.syncStatus !== undefined) says.push(signals.syncStatus === "no_sources");
  if (signals.latestSalesDate !== undefined) says.push(signals.latestSalesDate === null);
  if (signals.inventoryItems !== undefined) says.push(signals.inventoryItems === 0);
  return says.length > 0 && says.every(Boolean);
}
