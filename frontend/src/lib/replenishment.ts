/**
 * Data shaping of the Replenishment page: stock-status words, the inventory query, paging,
 * purchase-order line totals, edit and receipt checks, discrepancies and decision text.
 * Pure functions: no React, no fetching.
 */
import type { Schema } from "../api/client";

export type StockStatus = Schema<"StockStatus">;
export type InventorySort = Schema<"InventorySort">;
export type SortOrder = Schema<"SortOrder">;
export type POStatus = Schema<"POStatus">;
export type ReasonCode = Schema<"ReasonCode">;
export type POLine = Schema<"POLineRead">;
export type PODecision = Schema<"PODecisionRead">;
export type InventorySummary = Schema<"InventorySummary">;

// --- stock status --------------------------------------------------------------------------

/** The stock statuses, most urgent first (the API's order of precedence). */
export const STOCK_STATUSES: readonly StockStatus[] = ["out_of_stock", "critical", "low", "ok"];

const STOCK_WORDS: Record<StockStatus, string> = {
  out_of_stock: "Out of stock",
  critical: "Critical",
  low: "Low",
  ok: "OK",
};

/** A stock status for people; a row the daily run could not classify is "Unknown". */
export function stockStatusWord(status: StockStatus | null | undefined): string {
  return status ? STOCK_WORDS[status] : "Unknown";
}

/** One line per status with its count from the summary, in {@link STOCK_STATUSES} order. */
export function statusCounts(summary: InventorySummary): { status: StockStatus; label: string; count: number }[] {
  return STOCK_STATUSES.map((status) => ({
    status,
    label: STOCK_WORDS[status],
    count: summary.by_status[status],
  }));
}

// --- inventory query, sorting, paging --------------------------------------------------------

export interface InventoryFilters {
  status: StockStatus | "";
  search: string;
  sort: InventorySort;
  order: SortOrder;
  offset: number;
  limit: number;
}

export const DEFAULT_INVENTORY_FILTERS: InventoryFilters = {
  status: "",
  search: "",
  sort: "days_of_supply",
  order: "asc",
  offset: 0,
  limit: 25,
};

/** The query parameters of `GET /inventory` for the filters: empty ones are left out. */
export function inventoryQuery(filters: InventoryFilters): {
  limit: number;
  offset: number;
  sort: InventorySort;
  order: SortOrder;
  status?: StockStatus;
  q?: string;
} {
  const query: ReturnType<typeof inventoryQuery> = {
    limit: filters.limit,
    offset: filters.offset,
    sort: filters.sort,
    order: filters.order,
  };
  if (filters.status) query.status = filters.status;
  const q = filters.search.trim();
  if (q) query.q = q;
  return query;
}

/** The order a sort key starts in: value largest first, the others ascending (as the API). */
export function defaultOrder(sort: InventorySort): SortOrder {
  return sort === "value" ? "desc" : "asc";
}

/**
 * The sort after a click on column `sort`: the same column flips its order, another
 * column starts in its default order. Either way paging starts over.
 */
export function nextSort(filters: InventoryFilters, sort: InventorySort): InventoryFilters {
  const order = filters.sort === sort ? (filters.order === "asc" ? "desc" : "asc") : defaultOrder(sort);
  return { ...filters, sort, order, offset: 0 };
}

/** `aria-sort` of a column header. */
export function ariaSort(filters: InventoryFilters, sort: InventorySort): "ascending" | "descending" | "none" {
  if (filters.sort !== sort) return "none";
  return filters.order === "asc" ? "ascending" : "descending";
}

// --- purchase orders -----------------------------------------------------------------------

const PO_WORDS: Record<POStatus, string> = {
  suggested: "Suggested",
  approved: "Approved",
  edited: "Approved with changes",
  rejected: "Rejected",
  received: "Received",
};

/** A purchase-order status for people. */
export function poStatusWord(status: POStatus): string {
  return PO_WORDS[status];
}

/** The order lists a planner works through, each with the statuses it shows. */
export const PO_VIEWS = [
  { key: "suggested", label: "Suggested", statuses: ["suggested"] },
  { key: "to_receive", label: "To receive", statuses: ["approved", "edited"] },
  { key: "received", label: "Received", statuses: ["received"] },
  { key: "rejected", label: "Rejected", statuses: ["rejected"] },
] as const satisfies readonly { key: string; label: string; statuses: readonly POStatus[] }[];

export type POViewKey = (typeof PO_VIEWS)[number]["key"];

/** What an order in `status` allows: decide (approve / edit / reject) while suggested, receive once approved. */
export function poActions(status: POStatus): { decide: boolean; receive: boolean } {
  return { decide: status === "suggested", receive: status === "approved" || status === "edited" };
}

export const REASON_CODES: readonly { code: ReasonCode; label: string }[] = [
  { code: "budget", label: "Budget" },
  { code: "shelf_space", label: "Shelf space" },
  { code: "promotion", label: "Promotion" },
  { code: "supplier_constraint", label: "Supplier constraint" },
  { code: "forecast_disagreement", label: "Disagree with the forecast" },
  { code: "other", label: "Other (explain in the notes)" },
];

/** A reason code for people. */
export function reasonWord(code: ReasonCode | null | undefined): string {
  if (!code) return "—";
  return REASON_CODES.find((r) => r.code === code)?.label.replace(" (explain in the notes)", "") ?? code;
}

const cents = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** An amount of money to the cent ($4.07), as order lines and unit costs need; null → "—". */
export function formatCents(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? "—" : cents.format(value);
}

/** quantity × unit cost, or null when the cost is unknown. */
export function lineTotal(quantity: number, unitCost: number | null | undefined): number | null {
  if (unitCost === null || unitCost === undefined) return null;
  return Math.round(quantity * unitCost * 100) / 100;
}

/** Draft quantities of an order's lines, by product id (what the planner typed). */
export type Draft = Record<number, string>;

/** The draft of an order as it stands: every line at its current quantity. */
export function draftOf(lines: POLine[]): Draft {
  return Object.fromEntries(lines.map((line) => [line.product_id, String(line.quantity)]));
}

/** The quantity typed for a line, or its current quantity while the field is empty. */
function draftQuantity(line: POLine, draft: Draft): number {
  const typed = draft[line.product_id];
  return typed === undefined || typed.trim() === "" ? line.quantity : Number(typed);
}

/** Σ line totals with the draft quantities (lines without a cost count 0); null when no line has a cost. */
export function draftTotal(lines: POLine[], draft: Draft): number | null {
  let total: number | null = null;
  for (const line of lines) {
    const cost = lineTotal(draftQuantity(line, draft), line.unit_cost);
    if (cost !== null && !Number.isNaN(cost)) total = (total ?? 0) + cost;
  }
  return total === null ? null : Math.round(total * 100) / 100;
}

/** The lines whose draft quantity differs from the order's: the `lines` of an edit. */
export function changedLines(lines: POLine[], draft: Draft): { product_id: number; quantity: number }[] {
  return lines
    .map((line) => ({ product_id: line.product_id, quantity: draftQuantity(line, draft) }))
    .filter((changed, i) => changed.quantity !== lines[i]!.quantity);
}

/**
 * What is wrong with approving (`action` "approve") or rejecting an order as drafted, in
 * plain words; empty when it may be sent. The API checks the same rules and has the last word.
 */
export function decisionProblems(
  action: "approve" | "reject",
  lines: POLine[],
  draft: Draft,
  minOrderQty: number,
  reason: ReasonCode | "",
  notes: string,
): string[] {
  const problems: string[] = [];
  if (action === "approve") {
    for (const line of lines) {
      const quantity = draftQuantity(line, draft);
      if (Number.isNaN(quantity) || quantity < 0) {
        problems.push(`${line.product_code}: enter a quantity of 0 or more.`);
      } else if (quantity !== line.quantity && quantity > 0) {
        if (quantity % line.pack_size !== 0) {
          problems.push(`${line.product_code}: ${quantity} is not a multiple of the pack size ${line.pack_size}.`);
        } else if (quantity < minOrderQty) {
          problems.push(`${line.product_code}: ${quantity} is below the supplier's minimum of ${minOrderQty}.`);
        }
      }
    }
    if (lines.every((line) => draftQuantity(line, draft) === 0)) {
      problems.push("At least one line must stay above 0; to order nothing, reject the order.");
    }
    if (changedLines(lines, draft).length > 0 && !reason) {
      problems.push("Choose a reason code: the quantities were changed.");
    }
  } else if (!reason) {
    problems.push("Choose a reason code to reject the order.");
  }
  if (reason === "other" && !notes.trim()) {
    problems.push("Explain the reason in the notes (the reason code is “Other”).");
  }
  return problems;
}

// --- receiving -------------------------------------------------------------------------------

export interface ReceiptLine {
  product_id: number;
  product_code: string;
  ordered: number;
  received: number;
  /** ordered − received (negative: more arrived than ordered). */
  short: number;
}

/** Per line what was ordered, what the draft says arrived and the shortfall. */
export function discrepancies(lines: POLine[], received: Draft): ReceiptLine[] {
  return lines.map((line) => {
    const typed = received[line.product_id];
    const got = typed === undefined || typed.trim() === "" ? 0 : Number(typed);
    return {
      product_id: line.product_id,
      product_code: line.product_code,
      ordered: line.quantity,
      received: got,
      short: line.quantity - got,
    };
  });
}

/** Per line of a received order: ordered, received and short (lines not received count 0). */
export function receivedDiscrepancies(lines: POLine[]): ReceiptLine[] {
  return lines.map((line) => ({
    product_id: line.product_id,
    product_code: line.product_code,
    ordered: line.quantity,
    received: line.received_quantity ?? 0,
    short: line.quantity - (line.received_quantity ?? 0),
  }));
}

/** Units short over all lines (over-deliveries do not offset shortfalls). */
export function totalShort(receipt: ReceiptLine[]): number {
  return receipt.reduce((sum, line) => sum + Math.max(0, line.short), 0);
}

/** A count of units in words: "1 unit", "4 units", "2.5 units". */
export function units(count: number): string {
  const shown = Number.isInteger(count) ? String(count) : count.toFixed(1);
  return `${shown} ${count === 1 ? "unit" : "units"}`;
}

/** A date as YYYY-MM-DD in UTC (the API's calendar). */
export function isoDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** What is wrong with a receipt as drafted, in plain words; empty when it may be sent. */
export function receiptProblems(receipt: ReceiptLine[], receivedDate: string, orderDate: string | null, today: string): string[] {
  const problems: string[] = [];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(receivedDate)) problems.push("Enter the day the goods arrived.");
  else if (receivedDate > today) problems.push("The received date cannot be in the future.");
  else if (orderDate && receivedDate < orderDate) problems.push(`The received date cannot be before the order date ${orderDate}.`);
  for (const line of receipt) {
    if (Number.isNaN(line.received) || line.received < 0) problems.push(`${line.product_code}: enter 0 or more units.`);
    else if (line.short < 0) {
      problems.push(`${line.product_code}: ${line.received} received is more than the ${line.ordered} ordered; book an over-delivery separately.`);
    }
  }
  return problems;
}

// --- decision history ------------------------------------------------------------------------

interface ChangedLine {
  product_code?: string;
  before?: number;
  after?: number;
  ordered?: number;
  received?: number;
  short?: number;
}

/** The changes of a recorded decision as short sentences (per line, then the total). */
export function decisionChanges(decision: PODecision): string[] {
  const changes = decision.changes ?? {};
  const lines = Array.isArray(changes.lines) ? (changes.lines as ChangedLine[]) : [];
  const out: string[] = [];
  if (decision.decision === "received") {
    if (typeof changes.received_date === "string") out.push(`Arrived ${changes.received_date}`);
    for (const line of lines) {
      const short = line.short ?? (line.ordered ?? 0) - (line.received ?? 0);
      out.push(`${line.product_code}: ${line.received} of ${line.ordered} received${short > 0 ? ` (${short} short)` : ""}`);
    }
  } else {
    for (const line of lines) {
      if (line.before !== line.after) out.push(`${line.product_code}: ${line.before} → ${line.after}`);
    }
    const total = changes.total_cost as { before?: number; after?: number } | undefined;
    // Compared to the cent: a recomputed total may differ from the stored one by float noise.
    if (total?.before !== undefined && total.after !== undefined && formatCents(total.before) !== formatCents(total.after)) {
      out.push(`Total ${formatCents(total.before)} → ${formatCents(total.after)}`);
    }
  }
  return out;
}
