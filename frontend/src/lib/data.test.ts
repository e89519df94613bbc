import { describe, expect, it } from "vitest";

import { freshnessLine, labelOf, problemRow, problemTone, recordsNotWritten, reportIsEmpty, runKind, runReport, textOf, typeLabel } from "./data";

const age = (h: number) => `${h} h`;

describe("typeLabel and runKind", () => {
  it("names each transport and what the run did", () => {
    expect(typeLabel("smb_sftp")).toBe("SFTP pull");
    expect(typeLabel("new_thing")).toBe("new_thing");
    expect(runKind({ integration_type: "csv", sync_type: "sales" })).toBe("CSV ingest · sales");
    expect(runKind({ integration_type: "csv", sync_type: "directory" })).toBe("CSV ingest · whole directory");
    expect(runKind({ integration_type: "smb_csv", sync_type: "onboard:sales+inventory" })).toBe("Onboarding (CSV file) · onboard sales, inventory");
    expect(runKind({ integration_type: "smb_sftp", sync_type: "poll" })).toBe("SFTP pull · poll");
    expect(runKind({ integration_type: "enterprise_edi", sync_type: "x12" })).toBe("EDI X12");
    expect(runKind({ integration_type: "enterprise_event", sync_type: "stream" })).toBe("Event stream");
    expect(runKind({ integration_type: "odd", sync_type: "weird" })).toBe("odd · weird");
  });
});

describe("recordsNotWritten", () => {
  it("is received − written for a finished run and unknown while running", () => {
    expect(recordsNotWritten({ sync_status: "success", records_received: 10, records_synced: 7 })).toBe(3);
    expect(recordsNotWritten({ sync_status: "rejected", records_received: 5, records_synced: 0 })).toBe(5);
    expect(recordsNotWritten({ sync_status: "running", records_received: 5, records_synced: 0 })).toBeNull();
  });
});

describe("freshnessLine", () => {
  it("gives age, SLA and how far over a breached source is", () => {
    expect(freshnessLine({ status: "breached", freshness_hours: 3, sla_hours: 1, hours_over_sla: 2 }, age)).toBe("3 h old · SLA 1 h · 2 h over");
    expect(freshnessLine({ status: "ok", freshness_hours: 0.5, sla_hours: 1, hours_over_sla: null }, age)).toBe("0.5 h old · SLA 1 h");
    expect(freshnessLine({ status: "never_synced", freshness_hours: null, sla_hours: 48, hours_over_sla: null }, age)).toBe(
      "never delivered records · SLA 48 h",
    );
  });
});

describe("textOf and labelOf", () => {
  it("formats values and names keys", () => {
    expect(textOf(18774)).toBe("18,774");
    expect(textOf(0.01449)).toBe("0.014");
    expect(textOf(true)).toBe("yes");
    expect(textOf(null)).toBe("—");
    expect(textOf({ a: 1 })).toBe('{"a":1}');
    expect(labelOf("file_sha256")).toBe("File SHA-256");
    expect(labelOf("rows_per_minute")).toBe("Rows per minute");
  });
});

describe("problemRow", () => {
  it("reads an onboarding problem: row and line, column → field", () => {
    expect(
      problemRow({
        rule: "reference_integrity",
        severity: "dropped",
        line: 4,
        row: 3,
        column: "sku",
        field: "sales.product_code",
        value: "p9999",
        message: "unknown product_code 'P9999'",
      }),
    ).toEqual({
      severity: "dropped",
      rule: "reference_integrity",
      where: "row 3 (line 4)",
      field: "sku → sales.product_code",
      value: "p9999",
      message: "unknown product_code 'P9999'",
    });
  });

  it("reads an EDI problem by segment and element, and a file-level problem", () => {
    expect(problemRow({ segment: "LIN", segment_index: 12, offset: 300, element: 2, value: "X", message: "bad", transaction_set: "846/0001" })).toMatchObject({
      where: "segment LIN #12, element 2, set 846/0001",
      field: "",
      value: "X",
    });
    expect(problemRow({ rule: "malformed_csv", message: "empty file" }).where).toBe("whole file");
    expect(problemRow("just text").message).toBe("just text");
  });
});

describe("problemTone", () => {
  it("colours errors as failures and drops as warnings", () => {
    expect(problemTone("error")).toBe("failed");
    expect(problemTone("dropped")).toBe("warning");
    expect(problemTone("info")).toBe("info");
  });
});

describe("runReport", () => {
  it("shows a CSV ingest's counts as facts", () => {
    const report = runReport({ inserted: 84, updated: 0, unchanged: 2, seconds: 0.014 });
    expect(report.facts).toEqual([
      { key: "inserted", label: "Inserted", value: "84" },
      { key: "updated", label: "Updated", value: "0" },
      { key: "unchanged", label: "Unchanged", value: "2" },
      { key: "seconds", label: "Seconds", value: "0.014" },
    ]);
    expect(report.problems).toEqual([]);
    expect(report.problemTotal).toBeNull();
  });

  it("shows a rejected ingest's problems and totals them from the per-rule counts", () => {
    const report = runReport({
      problem_counts: { unknown_reference: 2, negative: 1 },
      problems: [{ rule: "negative", row: 5, line: 6, column: "quantity", value: "-1", message: "below 0" }],
    });
    expect(report.counts).toEqual([
      { key: "problem_counts", title: "Problems per rule", rows: [{ name: "unknown reference", count: 2 }, { name: "negative", count: 1 }] },
    ]);
    expect(report.problemTotal).toBe(3);
    expect(report.problems[0]).toMatchObject({ where: "row 5 (line 6)", field: "quantity", value: "-1" });
  });

  it("lays out an onboarding run: facts in order, outputs per kind, drops, problems", () => {
    const report = runReport({
      problems: [],
      rows_dropped: { reference_integrity: 1 },
      outputs: { sales: { rows: 9, first_date: "2025-03-08", last_date: "2025-03-08", inserted: 9, updated: null, unchanged: 0 } },
      grain: "transaction",
      file_name: "pos.csv",
      status: "imported",
      profile_id: "corner-shop-pos",
      profile_version: 1,
      problem_counts: {},
    });
    expect(report.facts.map((f) => f.key)).toEqual(["status", "profile_id", "profile_version", "file_name", "grain"]);
    expect(report.tables).toEqual([
      {
        key: "outputs",
        title: "Outputs per kind",
        columns: ["kind", "rows", "first_date", "last_date", "inserted", "updated", "unchanged"],
        rows: [["sales", "9", "2025-03-08", "2025-03-08", "9", "—", "0"]],
      },
    ]);
    expect(report.counts).toEqual([{ key: "rows_dropped", title: "Rows dropped per reason", rows: [{ name: "reference integrity", count: 1 }] }]);
    expect(report.problemTotal).toBe(0);
  });

  it("lays out an EDI run: sets as a table, written counts, notes, the 997 as text", () => {
    const report = runReport({
      file_name: "846.x12",
      transaction_sets: [{ group: "IB", transaction_set: "846", control: "0001", records: 4, status: "accepted" }],
      written: { inventory_snapshots: 4 },
      notes: ["one note"],
      ack_997: "ISA*...~",
      problem_count: 0,
    });
    expect(report.tables[0]).toMatchObject({ key: "transaction_sets", columns: ["group", "transaction_set", "control", "records", "status"] });
    expect(report.counts[0]).toMatchObject({ key: "written", rows: [{ name: "inventory snapshots", count: 4 }] });
    expect(report.notes).toEqual(["one note"]);
    expect(report.other).toEqual([{ key: "ack_997", label: "997 acknowledgement", value: "ISA*...~" }]);
    expect(report.problemTotal).toBe(0);
  });

  it("keeps shapes it does not know as key/value and never throws", () => {
    const report = runReport({
      brand_new: "x",
      nested: { a: { b: 1 } },
      mixed: [1, "two"],
      tags: ["a", "b"],
      outputs: { sales: 3 },
    });
    expect(report.facts).toEqual([{ key: "brand_new", label: "Brand new", value: "x" }]);
    expect(report.other.map((o) => [o.key, o.value])).toEqual([
      ["nested", '{"a":{"b":1}}'],
      ["mixed", '[1,"two"]'],
    ]);
    expect(report.notes).toEqual(["Tags: a", "Tags: b"]);
    // `outputs` of an unexpected shape falls back to the generic rules (numbers → a count list).
    expect(report.counts).toEqual([{ key: "outputs", title: "Outputs per kind", rows: [{ name: "sales", count: 3 }] }]);
    expect(runReport("not an object").other[0]?.value).toBe("not an object");
    expect(reportIsEmpty(runReport(null))).toBe(true);
    expect(reportIsEmpty(runReport({}))).toBe(true);
  });
});
