import { describe, expect, it } from "vitest";

import {
  changedLines,
  decisionChanges,
  decisionProblems,
  DEFAULT_INVENTORY_FILTERS,
  discrepancies,
  draftOf,
  draftTotal,
  formatCents,
  inventoryQuery,
  lineTotal,
  nextSort,
  poActions,
  poStatusWord,
  receiptProblems,
  receivedDiscrepancies,
  statusCounts,
  stockStatusWord,
  totalShort,
  units,
  type PODecision,
  type POLine,
} from "./replenishment";

function line(product_id: number, quantity: number, pack_size: number, unit_cost: number | null, received_quantity: number | null = null): POLine {
  return {
    product_id,
    product_code: `P${String(product_id).padStart(5, "0")}`,
    product_name: `Product ${product_id}`,
    pack_size,
    suggested_quantity: quantity,
    quantity,
    unit_cost,
    line_cost: unit_cost === null ? null : quantity * unit_cost,
    received_quantity,
  };
}

// Two lines: 360 × $4.07 = $1,465.20 and 228 × $2.01 = $458.28; the supplier's minimum is 12.
const LINES = [line(7, 360, 24, 4.07), line(21, 228, 12, 2.01)];

describe("stock status", () => {
  it("words each status and an unclassified row", () => {
    expect(stockStatusWord("out_of_stock")).toBe("Out of stock");
    expect(stockStatusWord("ok")).toBe("OK");
    expect(stockStatusWord(null)).toBe("Unknown");
  });

  it("lists the summary's counts most urgent first", () => {
    const rows = statusCounts({
      items: 90,
      by_status: { ok: 76, low: 10, critical: 3, out_of_stock: 1 },
      total_on_hand_value: 1,
      below_reorder_point: 14,
      computed_at: null,
    });
    expect(rows.map((r) => [r.status, r.count])).toEqual([
      ["out_of_stock", 1],
      ["critical", 3],
      ["low", 10],
      ["ok", 76],
    ]);
  });
});

describe("inventory query", () => {
  it("leaves out an empty status and a blank search, trims the search", () => {
    expect(inventoryQuery(DEFAULT_INVENTORY_FILTERS)).toEqual({ limit: 25, offset: 0, sort: "days_of_supply", order: "asc" });
    expect(inventoryQuery({ ...DEFAULT_INVENTORY_FILTERS, status: "critical", search: "  lemon ", offset: 50 })).toEqual({
      limit: 25,
      offset: 50,
      sort: "days_of_supply",
      order: "asc",
      status: "critical",
      q: "lemon",
    });
    expect(inventoryQuery({ ...DEFAULT_INVENTORY_FILTERS, search: "   " })).not.toHaveProperty("q");
  });

  it("flips the order on the same column and starts a new column in its own order, on page 1", () => {
    const page3 = { ...DEFAULT_INVENTORY_FILTERS, offset: 50 };
    const flipped = nextSort(page3, "days_of_supply");
    expect([flipped.sort, flipped.order, flipped.offset]).toEqual(["days_of_supply", "desc", 0]);
    const byValue = nextSort(flipped, "value");
    expect([byValue.sort, byValue.order]).toEqual(["value", "desc"]);
    expect(nextSort(byValue, "value").order).toBe("asc");
    expect(nextSort(byValue, "product_code").order).toBe("asc");
  });
});

describe("purchase orders", () => {
  it("allows deciding only while suggested and receiving only once approved", () => {
    expect(poActions("suggested")).toEqual({ decide: true, receive: false });
    expect(poActions("approved")).toEqual({ decide: false, receive: true });
    expect(poActions("edited")).toEqual({ decide: false, receive: true });
    expect(poActions("rejected")).toEqual({ decide: false, receive: false });
    expect(poActions("received")).toEqual({ decide: false, receive: false });
    expect(poStatusWord("edited")).toBe("Approved with changes");
  });

  it("totals lines to the cent, and the draft with changed quantities", () => {
    expect(lineTotal(360, 4.07)).toBe(1465.2);
    expect(lineTotal(3, null)).toBeNull();
    expect(draftTotal(LINES, draftOf(LINES))).toBe(1923.48);
    // 336 × 4.07 = 1,367.52; + 458.28 = 1,825.80
    expect(draftTotal(LINES, { 7: "336", 21: "228" })).toBe(1825.8);
    // An emptied field counts as the line's current quantity.
    expect(draftTotal(LINES, { 7: "", 21: "228" })).toBe(1923.48);
    expect(draftTotal([line(1, 5, 1, null)], {})).toBeNull();
  });

  it("sends only the lines whose quantity changed", () => {
    expect(changedLines(LINES, draftOf(LINES))).toEqual([]);
    expect(changedLines(LINES, { 7: "360", 21: "240" })).toEqual([{ product_id: 21, quantity: 240 }]);
  });

  it("asks for a reason when quantities changed, and for notes with 'other'", () => {
    expect(decisionProblems("approve", LINES, draftOf(LINES), 12, "", "")).toEqual([]);
    expect(decisionProblems("approve", LINES, { 7: "384", 21: "228" }, 12, "", "")).toEqual([
      "Choose a reason code: the quantities were changed.",
    ]);
    expect(decisionProblems("approve", LINES, { 7: "384", 21: "228" }, 12, "promotion", "")).toEqual([]);
    expect(decisionProblems("approve", LINES, { 7: "384", 21: "228" }, 12, "other", " ")).toEqual([
      "Explain the reason in the notes (the reason code is “Other”).",
    ]);
  });

  it("checks changed quantities against the pack size, the minimum and an all-zero order", () => {
    expect(decisionProblems("approve", LINES, { 7: "350", 21: "228" }, 12, "budget", "")).toEqual([
      "P00007: 350 is not a multiple of the pack size 24.",
    ]);
    // 24 is a multiple of the pack size 24 but below a minimum of 48.
    expect(decisionProblems("approve", LINES, { 7: "24", 21: "228" }, 48, "budget", "")).toEqual([
      "P00007: 24 is below the supplier's minimum of 48.",
    ]);
    // Dropping one line (0) is fine; dropping every line is not.
    expect(decisionProblems("approve", LINES, { 7: "0", 21: "228" }, 12, "budget", "")).toEqual([]);
    expect(decisionProblems("approve", LINES, { 7: "0", 21: "0" }, 12, "budget", "")).toEqual([
      "At least one line must stay above 0; to order nothing, reject the order.",
    ]);
    expect(decisionProblems("approve", LINES, { 7: "-24", 21: "228" }, 12, "budget", "")).toEqual([
      "P00007: enter a quantity of 0 or more.",
    ]);
  });

  it("needs a reason code to reject, whatever the quantities", () => {
    expect(decisionProblems("reject", LINES, draftOf(LINES), 12, "", "")).toEqual(["Choose a reason code to reject the order."]);
    expect(decisionProblems("reject", LINES, { 7: "1", 21: "228" }, 12, "budget", "")).toEqual([]);
  });
});

describe("receiving", () => {
  it("computes the shortfall per line from what was typed; an empty field is 0 arrived", () => {
    const receipt = discrepancies(LINES, { 7: "300", 21: "" });
    expect(receipt.map((l) => [l.product_code, l.ordered, l.received, l.short])).toEqual([
      ["P00007", 360, 300, 60],
      ["P00021", 228, 0, 228],
    ]);
    expect(totalShort(receipt)).toBe(288);
  });

  it("counts units in words", () => {
    expect(units(1)).toBe("1 unit");
    expect(units(4)).toBe("4 units");
    expect(units(2.5)).toBe("2.5 units");
  });

  it("does not let an over-delivery offset a shortfall", () => {
    expect(totalShort(discrepancies(LINES, { 7: "370", 21: "220" }))).toBe(8);
  });

  it("reads a received order's discrepancy from its lines", () => {
    const receipt = receivedDiscrepancies([line(3, 96, 2, 17.63, 90), line(4, 10, 1, 1, null)]);
    expect(receipt.map((l) => l.short)).toEqual([6, 10]);
    expect(totalShort(receipt)).toBe(16);
  });

  it("refuses a future date, a date before the order and more than ordered", () => {
    const ok = discrepancies(LINES, { 7: "360", 21: "200" });
    expect(receiptProblems(ok, "2026-12-05", "2026-12-01", "2026-12-05")).toEqual([]);
    expect(receiptProblems(ok, "2026-12-06", "2026-12-01", "2026-12-05")).toEqual(["The received date cannot be in the future."]);
    expect(receiptProblems(ok, "2026-11-30", "2026-12-01", "2026-12-05")).toEqual([
      "The received date cannot be before the order date 2026-12-01.",
    ]);
    expect(receiptProblems(ok, "", "2026-12-01", "2026-12-05")).toEqual(["Enter the day the goods arrived."]);
    const over = discrepancies(LINES, { 7: "361", 21: "228" });
    expect(receiptProblems(over, "2026-12-05", null, "2026-12-05")).toEqual([
      "P00007: 361 received is more than the 360 ordered; book an over-delivery separately.",
    ]);
  });
});

describe("decision history", () => {
  const base = { decision_id: 1, po_id: "x", decided_by: "planner", reason_code: null, notes: null, decided_at: "2026-12-05T12:00:00Z" };

  it("describes an edit line by line with the total", () => {
    const edit: PODecision = {
      ...base,
      decision: "edited",
      reason_code: "promotion",
      changes: {
        lines: [
          { product_id: 3, product_code: "P00003", before: 94, after: 96 },
          { product_id: 4, product_code: "P00004", before: 10, after: 10 },
        ],
        total_cost: { before: 1657.22, after: 1692.48 },
      },
    };
    expect(decisionChanges(edit)).toEqual(["P00003: 94 → 96", "Total $1,657.22 → $1,692.48"]);
  });

  it("leaves out a total that only changed by float noise", () => {
    const approve: PODecision = {
      ...base,
      decision: "approved",
      changes: { lines: [], total_cost: { before: 3250.6800000000003, after: 3250.68 } },
    };
    expect(decisionChanges(approve)).toEqual([]);
  });

  it("formats money to the cent", () => {
    expect(formatCents(4.07)).toBe("$4.07");
    expect(formatCents(1465.2)).toBe("$1,465.20");
    expect(formatCents(null)).toBe("—");
  });

  it("describes a receipt with its shortfall, and a rejection with nothing", () => {
    const receipt: PODecision = {
      ...base,
      decision: "received",
      changes: {
        received_date: "2026-12-05",
        lines: [
          { product_id: 3, product_code: "P00003", ordered: 96, received: 90, short: 6 },
          { product_id: 4, product_code: "P00004", ordered: 10, received: 10, short: 0 },
        ],
      },
    };
    expect(decisionChanges(receipt)).toEqual(["Arrived 2026-12-05", "P00003: 90 of 96 received (6 short)", "P00004: 10 of 10 received"]);
    expect(decisionChanges({ ...base, decision: "rejected", changes: { status: { before: "suggested", after: "rejected" } } })).toEqual([]);
  });
});
