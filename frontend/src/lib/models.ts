/**
 * Data shaping for the Models page: backtest points into chart rows, registry decisions
 * into readable lines, which manual decisions a version allows, the top features, and a
 * model card's markdown into safe blocks (rendered as React elements, never as HTML).
 */
import type { Schema } from "../api/client";
import { formatNumber, formatPercent } from "./format";

export type BacktestPoint = Schema<"BacktestPoint">;
export type DecisionRead = Schema<"DecisionRead">;

// ---------------------------------------------------------------------------------------
// Backtest chart

export type BacktestMetric = "mae" | "mape" | "stockout_miss_rate" | "overstock_rate";

/** The metrics a backtest point carries, with their label and whether they are shares. */
export const BACKTEST_METRICS: readonly { key: BacktestMetric; label: string; share: boolean }[] = [
  { key: "mae", label: "MAE", share: false },
  { key: "mape", label: "MAPE", share: true },
  { key: "stockout_miss_rate", label: "Stock-out miss rate", share: true },
  { key: "overstock_rate", label: "Overstock rate", share: true },
];

/** One chart row: a forecast date and the metric's value per backtest kind (null = none that day). */
export interface BacktestRow {
  date: string;
  [kind: string]: string | number | null;
}

export interface BacktestChart {
  rows: BacktestRow[];
  /** Backtest kinds present, in a fixed order (weekly first, then daily, then others by name). */
  kinds: string[];
}

const KIND_ORDER = ["weekly", "daily"];

function kindRank(kind: string): number {
  const rank = KIND_ORDER.indexOf(kind);
  return rank === -1 ? KIND_ORDER.length : rank;
}

/**
 * The backtest points as chart rows for `metric`: one row per forecast date (ascending),
 * one column per backtest kind. Missing or non-finite values become null so the line
 * shows a gap rather than a fake zero.
 */
export function backtestChart(points: readonly BacktestPoint[], metric: BacktestMetric): BacktestChart {
  const kinds = [...new Set(points.map((p) => p.backtest_kind))].sort(
    (a, b) => kindRank(a) - kindRank(b) || a.localeCompare(b),
  );
  const byDate = new Map<string, BacktestRow>();
  for (const point of points) {
    let row = byDate.get(point.forecast_date);
    if (!row) {
      row = { date: point.forecast_date };
      for (const kind of kinds) row[kind] = null;
      byDate.set(point.forecast_date, row);
    }
    const value = point[metric];
    row[point.backtest_kind] = typeof value === "number" && Number.isFinite(value) ? value : null;
  }
  const rows = [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date));
  return { rows, kinds };
}

/** A metric's value as people read it: shares as percentages, MAE in units. */
export function formatMetric(metric: BacktestMetric, value: number | null | undefined): string {
  const share = BACKTEST_METRICS.find((m) => m.key === metric)?.share ?? false;
  return share ? formatPercent(value) : formatNumber(value, 2);
}

// ---------------------------------------------------------------------------------------
// Decisions

const ACTION_WORDS: Record<string, string> = {
  promoted: "promoted to champion",
  kept_as_challenger: "kept as challenger",
  rejected: "rejected",
  shadowed: "put in shadow",
  archived: "archived",
  rolled_back: "made champion again by a rollback",
};

/** A decision as a line a person reads: what happened, who decided, and why. */
export interface DecisionLine {
  id: string;
  when: string;
  headline: string;
  context: string[];
  reasons: string[];
  byPerson: boolean;
}

/** Who decided, in words: the promotion gate or the API key's name. */
export function deciderWords(decidedBy: string): string {
  return decidedBy === "promotion_gate" ? "the promotion gate" : decidedBy;
}

/**
 * A registry decision as a readable line, e.g. "v3 kept as challenger by the promotion
 * gate", with its trigger and previous champion as context and its reasons as they are.
 */
export function decisionLine(decision: DecisionRead): DecisionLine {
  const action = ACTION_WORDS[decision.action] ?? decision.action.replaceAll("_", " ");
  const context: string[] = [];
  if (decision.trigger_type) context.push(`trigger: ${decision.trigger_type.replaceAll("_", " ")} retrain`);
  if (decision.previous_champion) {
    context.push(
      decision.action === "rolled_back"
        ? `rolled back from ${decision.previous_champion}`
        : `replaced champion ${decision.previous_champion}`,
    );
  }
  return {
    id: decision.decision_id,
    when: decision.created_at,
    headline: `${decision.version} ${action} by ${deciderWords(decision.decided_by)}`,
    context,
    reasons: decision.reasons,
    byPerson: decision.decided_by !== "promotion_gate",
  };
}

/** A version's decisions as lines, newest first (the API lists them oldest first). */
export function decisionLines(decisions: readonly DecisionRead[] | undefined): DecisionLine[] {
  return [...(decisions ?? [])]
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .map(decisionLine);
}

// ---------------------------------------------------------------------------------------
// Manual decisions

export type VersionAction = "promote" | "shadow" | "archive";

/**
 * The manual decisions the registry accepts for a version in `status`: the champion and
 * archived versions take none (rollback is the champion's way back); a shadow version
 * can be promoted or archived; a candidate or challenger can also be put in shadow.
 */
export function versionActions(status: string): VersionAction[] {
  switch (status) {
    case "candidate":
    case "challenger":
      return ["promote", "shadow", "archive"];
    case "shadow":
      return ["promote", "archive"];
    default:
      return [];
  }
}

export const ACTION_LABELS: Record<VersionAction | "rollback", string> = {
  promote: "Promote to champion",
  shadow: "Put in shadow",
  archive: "Archive",
  rollback: "Roll back champion",
};

// ---------------------------------------------------------------------------------------
// Feature importance

export type FeatureImportanceItem = Schema<"FeatureImportanceItem">;
/** `GET /models/{version}/feature-importance`. */
export type FeatureImportanceRead = Schema<"FeatureImportance">;

/** A feature with its share of the total importance of the features shown. */
export interface RankedFeature extends FeatureImportanceItem {
  share: number;
}

/**
 * The `n` most important features, largest first (ties by name), without non-finite
 * values; `share` is each one's part of the listed features' total (0 when it is 0).
 */
export function topFeatures(features: readonly FeatureImportanceItem[], n = 20): RankedFeature[] {
  const kept = features
    .filter((f) => Number.isFinite(f.importance))
    .sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature))
    .slice(0, Math.max(0, n));
  const total = kept.reduce((sum, f) => sum + Math.abs(f.importance), 0);
  return kept.map((f) => ({ ...f, share: total > 0 ? Math.abs(f.importance) / total : 0 }));
}

// ---------------------------------------------------------------------------------------
// Model card markdown

/** A run of inline text with its emphasis. */
export interface Span {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
}

export type Block =
  | { kind: "heading"; level: number; spans: Span[] }
  | { kind: "paragraph"; spans: Span[] }
  | { kind: "list"; items: Span[][] }
  | { kind: "table"; header: Span[][]; rows: Span[][][] }
  | { kind: "code"; text: string };

/** `GET /models/{version}/card`. */
export type ModelCardRead = Schema<"ModelCard">;

function pushText(spans: Span[], text: string, style: Omit<Span, "text">): void {
  if (!text) return;
  const last = spans[spans.length - 1];
  if (last && !!last.bold === !!style.bold && !!last.italic === !!style.italic && !!last.code === !!style.code) {
    last.text += text;
    return;
  }
  spans.push({ text, ...(style.bold ? { bold: true } : {}), ...(style.italic ? { italic: true } : {}), ...(style.code ? { code: true } : {}) });
}

/** The next single `*` (not part of `**`) at or after `from`, or -1. */
function singleStar(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] !== "*") continue;
    if (text[i + 1] === "*") {
      const close = text.indexOf("**", i + 2);
      if (close === -1) return -1;
      i = close + 1;
      continue;
    }
    return i;
  }
  return -1;
}

function parseInlineInto(text: string, style: Omit<Span, "text">, spans: Span[]): void {
  let plain = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "`") {
      const close = text.indexOf("`", i + 1);
      if (close > i + 1) {
        pushText(spans, plain, style);
        plain = "";
        pushText(spans, text.slice(i + 1, close), { ...style, code: true });
        i = close + 1;
        continue;
      }
    } else if (ch === "*" && text[i + 1] === "*") {
      const close = text.indexOf("**", i + 2);
      if (close > i + 2) {
        pushText(spans, plain, style);
        plain = "";
        parseInlineInto(text.slice(i + 2, close), { ...style, bold: true }, spans);
        i = close + 2;
        continue;
      }
    } else if (ch === "*" && !/[A-Za-z0-9]/.test(text[i - 1] ?? "")) {
      // A star inside a word or formula (0.6*lightgbm+0.4*ma) is a product, not emphasis.
      const close = singleStar(text, i + 1);
      if (close > i + 1) {
        pushText(spans, plain, style);
        plain = "";
        parseInlineInto(text.slice(i + 1, close), { ...style, italic: true }, spans);
        i = close + 1;
        continue;
      }
    }
    plain += ch;
    i += 1;
  }
  pushText(spans, plain, style);
}

/** Inline markdown (`**bold**`, `*italic*`, `` `code` ``) as spans; anything else is text. */
export function parseInline(text: string): Span[] {
  const spans: Span[] = [];
  parseInlineInto(text, {}, spans);
  return spans;
}

function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((cell) => cell.trim());
}

const TABLE_RULE = /^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$/;
const LIST_ITEM = /^\s*[-*+]\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*)$/;

/**
 * A small, safe markdown reader for model cards: headings, paragraphs, bullet lists
 * (indented lines continue an item), pipe tables and fenced code. Everything becomes
 * text spans that React escapes; no HTML is ever produced or passed through.
 */
export function markdownBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: string[] | null = null;

  const flush = () => {
    if (paragraph.length) blocks.push({ kind: "paragraph", spans: parseInline(paragraph.join(" ")) });
    paragraph = [];
    if (list) blocks.push({ kind: "list", items: list.map(parseInline) });
    list = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const trimmed = line.trim();
    if (trimmed.startsWith("```")) {
      flush();
      const code: string[] = [];
      i += 1;
      while (i < lines.length && !(lines[i] ?? "").trim().startsWith("```")) code.push(lines[i++] ?? "");
      blocks.push({ kind: "code", text: code.join("\n") });
      continue;
    }
    if (trimmed === "") {
      flush();
      continue;
    }
    const heading = HEADING.exec(trimmed);
    if (heading) {
      flush();
      blocks.push({ kind: "heading", level: heading[1]!.length, spans: parseInline(heading[2]!.trim()) });
      continue;
    }
    if (trimmed.startsWith("|")) {
      flush();
      const header = tableCells(trimmed).map(parseInline);
      const rows: Span[][][] = [];
      while (i + 1 < lines.length && (lines[i + 1] ?? "").trim().startsWith("|")) {
        const next = (lines[++i] ?? "").trim();
        if (TABLE_RULE.test(next)) continue;
        rows.push(tableCells(next).map(parseInline));
      }
      blocks.push({ kind: "table", header, rows });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      if (paragraph.length) flush();
      list ??= [];
      list.push(item[1]!.trim());
      continue;
    }
    if (list && /^\s+\S/.test(line)) {
      // An indented line continues the list item above it.
      list[list.length - 1] += ` ${trimmed}`;
      continue;
    }
    if (list) flush();
    paragraph.push(trimmed);
  }
  flush();
  return blocks;
}

// ---------------------------------------------------------------------------------------
// Health and paging

/** The champion's status and trend in words. */
export function healthWords(status: string, trend: string): string {
  const state =
    status === "healthy"
      ? "Healthy: live error is within the drift threshold of its backtest."
      : status === "degraded"
        ? "Degraded: live error exceeds its backtest error by more than the drift threshold."
        : status === "no_data"
          ? "No actuals evaluated yet."
          : status;
  const direction =
    trend === "improving"
      ? "Improving vs the 7 days before."
      : trend === "degrading"
        ? "Getting worse vs the 7 days before."
        : trend === "stable"
          ? "Stable vs the 7 days before."
          : "Trend unknown (not enough evaluated days).";
  return `${state} ${direction}`;
}

/** The relative MAE change of the challenger against the champion on the same rows (positive = better). */
export function maeImprovement(challengerMae: number | null | undefined, championMae: number | null | undefined): number | null {
  if (challengerMae == null || championMae == null || !(championMae > 0)) return null;
  return (championMae - challengerMae) / championMae;
}
