/**
 * Forecasts page data shaping: the series payload as one chart row per date, the quantile
 * band, the days a person can explain, the top SHAP contributions and the actuals table.
 * Pure functions; the page only renders what these return.
 */
import type { ApiError } from "../api/errors";

/** One day of sales history; `stockout` days are censored (demand ≥ what was sold). */
export interface HistoryPoint {
  date: string;
  quantity: number;
  stockout: boolean;
}

/** One forecast day of the latest issue. */
export interface ForecastPoint {
  date: string;
  mean: number;
  lower?: number | null;
  upper?: number | null;
  quantiles?: Record<string, number> | null;
}

/** A forecast day whose sales have arrived, scored against what was forecast for it. */
export interface ActualPoint {
  date: string;
  issue_date: string;
  forecast: number;
  actual: number;
  absolute_error: number;
  within_interval?: boolean | null;
  stockout: boolean;
}

export interface SeriesPayload {
  issue_date?: string | null;
  history: HistoryPoint[];
  forecast: ForecastPoint[];
  actuals: ActualPoint[];
}

/** One row of the chart: every series that has a value on `date`. */
export interface ChartRow {
  date: string;
  /** Units sold (every history day, stock-out or not: the line stays continuous). */
  sales?: number;
  /** Units sold on a stock-out day only (drawn as a distinct marker). */
  stockout?: number;
  mean?: number;
  /** Lowest and highest forecast quantile, for a range area. */
  band?: [number, number];
  /** Actual sales on a forecast day (latest scored issue for that day). */
  actual?: number;
  /** Whether this date is a forecast day of the latest issue (clickable to explain). */
  forecastDay: boolean;
}

/** The band of a forecast day: lowest and highest quantile, else lower/upper, else none. */
export function bandOf(point: ForecastPoint): [number, number] | undefined {
  const levels = quantileLevels(point.quantiles);
  if (levels.length >= 2) {
    const low = point.quantiles![levels[0]!.key]!;
    const high = point.quantiles![levels[levels.length - 1]!.key]!;
    return [low, high];
  }
  if (point.lower !== null && point.lower !== undefined && point.upper !== null && point.upper !== undefined) {
    return [point.lower, point.upper];
  }
  return undefined;
}

/** The quantile keys of a map, ordered by level ("0.1" < "0.5" < "0.9"); non-numeric keys dropped. */
export function quantileLevels(quantiles: Record<string, number> | null | undefined): { key: string; level: number }[] {
  if (!quantiles) return [];
  return Object.keys(quantiles)
    .map((key) => ({ key, level: Number(key) }))
    .filter((entry) => Number.isFinite(entry.level) && Number.isFinite(quantiles[entry.key]))
    .sort((a, b) => a.level - b.level);
}

/**
 * The band's name for the legend, from the first forecast day's levels:
 * 0.1 and 0.9 → "80% band (10th–90th percentile)"; no quantiles → "Forecast interval".
 */
export function bandLabel(forecast: ForecastPoint[]): string {
  const levels = quantileLevels(forecast[0]?.quantiles);
  if (levels.length < 2) return "Forecast interval";
  const low = levels[0]!.level;
  const high = levels[levels.length - 1]!.level;
  const coverage = Math.round((high - low) * 100);
  return `${coverage}% band (${ordinal(low * 100)}–${ordinal(high * 100)} percentile)`;
}

/** 10 → "10th", 2.5 → "2.5th", 1 → "1st", 12 → "12th". */
function ordinal(percent: number): string {
  const n = Math.round(percent * 10) / 10;
  if (!Number.isInteger(n)) return `${n}th`;
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${suffix}`;
}

/**
 * History, forecast and actuals merged into one row per date, oldest first. An actual
 * reported by several issues for the same day is one value (sales of a day do not depend
 * on the issue); the latest issue's row wins.
 */
export function chartRows(series: SeriesPayload): ChartRow[] {
  const rows = new Map<string, ChartRow>();
  const row = (date: string): ChartRow => {
    let existing = rows.get(date);
    if (!existing) {
      existing = { date, forecastDay: false };
      rows.set(date, existing);
    }
    return existing;
  };
  for (const day of series.history) {
    const target = row(day.date);
    target.sales = day.quantity;
    if (day.stockout) target.stockout = day.quantity;
  }
  for (const day of series.forecast) {
    const target = row(day.date);
    target.mean = day.mean;
    target.forecastDay = true;
    const band = bandOf(day);
    if (band) target.band = band;
  }
  for (const actual of latestActualPerDay(series.actuals)) {
    row(actual.date).actual = actual.actual;
  }
  return [...rows.values()].sort((a, b) => a.date.localeCompare(b.date));
}

function latestActualPerDay(actuals: ActualPoint[]): ActualPoint[] {
  const byDay = new Map<string, ActualPoint>();
  for (const actual of actuals) {
    const seen = byDay.get(actual.date);
    if (!seen || actual.issue_date > seen.issue_date) byDay.set(actual.date, actual);
  }
  return [...byDay.values()];
}

/** The forecast days a person can explain, in date order. */
export function forecastDays(series: SeriesPayload): string[] {
  return [...new Set(series.forecast.map((point) => point.date))].sort();
}

/** One row of the actuals-vs-forecast table. */
export interface ActualRow {
  key: string;
  date: string;
  issueDate: string;
  forecast: number;
  actual: number;
  /** actual − forecast: positive means the forecast was too low. */
  error: number;
  absoluteError: number;
  /** "inside" / "outside" the band, or "unknown" when the issue had no band. */
  interval: "inside" | "outside" | "unknown";
  stockout: boolean;
}

/** The most recent `limit` actuals, newest day first (latest issue first within a day). */
export function recentActuals(actuals: ActualPoint[], limit = 10): ActualRow[] {
  return [...actuals]
    .sort((a, b) => b.date.localeCompare(a.date) || b.issue_date.localeCompare(a.issue_date))
    .slice(0, limit)
    .map((a) => ({
      key: `${a.date}/${a.issue_date}`,
      date: a.date,
      issueDate: a.issue_date,
      forecast: a.forecast,
      actual: a.actual,
      error: a.actual - a.forecast,
      absoluteError: a.absolute_error,
      interval: a.within_interval === true ? "inside" : a.within_interval === false ? "outside" : "unknown",
      stockout: a.stockout,
    }));
}

/** One feature's share of an explained prediction. */
export interface Contribution {
  feature: string;
  value?: number | string | boolean | null;
  shap: number;
  multiplier?: number | null;
}

/** A bar of the explanation: a feature, or the sum of all features not shown. */
export interface ContributionBar {
  feature: string;
  value: number | string | boolean | null;
  shap: number;
  multiplier: number | null;
  /** True for the "all other features" remainder row. */
  remainder: boolean;
  /** |shap| relative to the largest |shap| shown, 0…1 (bar length). */
  share: number;
}

/**
 * The `top` contributions by |shap| (largest first, ties by feature name), then one
 * remainder row summing the rest: "all other features (n)". The remainder's multiplier is
 * the product of the others' multipliers when every one has a multiplier, else null.
 */
export function topContributions(contributions: Contribution[], top = 12): ContributionBar[] {
  const ordered = [...contributions].sort(
    (a, b) => Math.abs(b.shap) - Math.abs(a.shap) || a.feature.localeCompare(b.feature),
  );
  const shown = ordered.slice(0, top);
  const rest = ordered.slice(top);
  const bars: Omit<ContributionBar, "share">[] = shown.map((c) => ({
    feature: c.feature,
    value: c.value ?? null,
    shap: c.shap,
    multiplier: c.multiplier ?? null,
    remainder: false,
  }));
  if (rest.length > 0) {
    const multipliers = rest.map((c) => c.multiplier);
    const allKnown = multipliers.every((m): m is number => typeof m === "number");
    bars.push({
      feature: `all other features (${rest.length})`,
      value: null,
      shap: rest.reduce((sum, c) => sum + c.shap, 0),
      multiplier: allKnown ? multipliers.reduce((product, m) => product * m, 1) : null,
      remainder: true,
    });
  }
  const largest = Math.max(0, ...bars.map((bar) => Math.abs(bar.shap)));
  return bars.map((bar) => ({ ...bar, share: largest > 0 ? Math.abs(bar.shap) / largest : 0 }));
}

/** One model of the blend behind a forecast, as the API reports it. */
export interface BlendMember {
  model: string;
  weight: number;
  prediction: number;
  explained: boolean;
}

/** A blend member's part of the forecast: weight × its own forecast, in units. */
export interface BlendPart extends BlendMember {
  units: number;
}

/**
 * The parts of a blended forecast, heaviest weight first (ties by model name), and their
 * sum; null when one model made the forecast alone (there is nothing to split).
 */
export function blendParts(members: BlendMember[]): { parts: BlendPart[]; total: number } | null {
  if (members.length < 2) return null;
  const parts = [...members]
    .sort((a, b) => b.weight - a.weight || a.model.localeCompare(b.model))
    .map((member) => ({ ...member, units: member.weight * member.prediction }));
  return { parts, total: parts.reduce((sum, part) => sum + part.units, 0) };
}

/** A feature value as text: numbers with up to 3 decimals, booleans as yes/no, missing as "—". */
export function featureValueText(value: number | string | boolean | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
  }
  return value;
}

/**
 * Why an explanation could not be shown, in plain words; `detail` is the API's own reason
 * (shown under the sentence, for whoever needs to fix it).
 */
export function explanationProblem(error: ApiError): { title: string; message: string; detail: string | null } {
  const detail = typeof error.detail === "string" && error.detail ? error.detail : null;
  switch (error.status) {
    case 404:
      return {
        title: "No forecast for this day",
        message: "There is no stored forecast for this store, product and day, so there is nothing to explain.",
        detail,
      };
    case 409:
      return {
        title: "No explanation for this forecast",
        message:
          "The current champion model forecasts this series without a tree model (LightGBM or XGBoost), so ShelfOps cannot compute SHAP explanations for it.",
        detail,
      };
    case 503:
      return {
        title: "Explanations are not available on this server",
        message: "The machine-learning packages or the model file that explanations need are missing on the server.",
        detail,
      };
    default:
      // The shared wording already includes the API's detail.
      return { title: error.title, message: error.message, detail: null };
  }
}

/** The page's choice, read from the URL query string: positive integer ids and an ISO day. */
export interface Selection {
  store: number | null;
  product: number | null;
  day: string | null;
}

function positiveId(raw: string | null): number | null {
  if (raw === null || !/^\d+$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** `?store=3&product=12&day=2026-12-06` → the selection; anything malformed is ignored. */
export function readSelection(params: URLSearchParams): Selection {
  const day = params.get("day");
  return {
    store: positiveId(params.get("store")),
    product: positiveId(params.get("product")),
    day: day !== null && /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null,
  };
}

/**
 * The query string for a selection, keeping unrelated parameters. Changing the store or
 * product drops the chosen day (it belongs to the previous pair's forecast).
 */
export function writeSelection(params: URLSearchParams, next: Partial<Selection>): URLSearchParams {
  const current = readSelection(params);
  const pairChanged =
    ("store" in next && next.store !== current.store) || ("product" in next && next.product !== current.product);
  const merged: Selection = { ...current, ...next, ...(pairChanged && !("day" in next) ? { day: null } : {}) };
  const out = new URLSearchParams(params);
  for (const [key, value] of Object.entries(merged) as [keyof Selection, Selection[keyof Selection]][]) {
    if (value === null || value === undefined) out.delete(key);
    else out.set(key, String(value));
  }
  return out;
}
