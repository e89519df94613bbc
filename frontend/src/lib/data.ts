/**
 * Data shaping of the Data page: sync-health words, what kind of run a sync-log row is,
 * and a run's `metadata` (CSV ingest, onboarding, polls, EDI, event streams) turned into
 * readable report sections. Unknown keys and shapes are kept as key/value, never dropped
 * and never a crash. Pure functions; every one is checked in `data.test.ts`.
 */

/** A sync-log row, as much of it as the shaping needs. */
export interface RunLike {
  integration_type: string;
  sync_type: string;
  sync_status: string;
  records_received: number;
  records_synced: number;
  metadata: Record<string, unknown> | null;
}

const TYPE_LABELS: Record<string, string> = {
  csv: "CSV ingest",
  smb_csv: "Onboarding (CSV file)",
  smb_sftp: "SFTP pull",
  enterprise_sftp: "SFTP pull (enterprise)",
  enterprise_edi: "EDI X12",
  enterprise_event: "Event stream",
};

/** The integration types a sync log holds, for the type filter. */
export const KNOWN_TYPES = Object.keys(TYPE_LABELS);

/** A source type in words: `smb_sftp` → "SFTP pull"; unknown types as they are. */
export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}

/** What a run did, in words: "CSV ingest · sales", "SFTP pull · onboard sales", "EDI X12", "Poll failed". */
export function runKind(run: Pick<RunLike, "integration_type" | "sync_type">): string {
  const type = typeLabel(run.integration_type);
  const what = run.sync_type;
  if (what === "poll") return `${type} · poll`;
  if (run.integration_type === "csv") return what === "directory" ? `${type} · whole directory` : `${type} · ${what}`;
  if (what.startsWith("onboard")) {
    const kinds = what.slice("onboard".length).replace(/^:/, "").replaceAll("+", ", ");
    return kinds ? `${type} · onboard ${kinds}` : `${type} · onboard`;
  }
  if (what === "x12" || what === "stream") return type;
  return `${type} · ${what}`;
}

/** Records not written by a finished run: the API's "received − written". */
export function recordsNotWritten(run: Pick<RunLike, "sync_status" | "records_received" | "records_synced">): number | null {
  if (run.sync_status === "running") return null;
  return Math.max(0, run.records_received - run.records_synced);
}

/** A source's freshness and SLA in one line: "2.0 h old · SLA 1 h · 1.0 h over". */
export function freshnessLine(source: {
  status: string;
  freshness_hours: number | null;
  sla_hours: number;
  hours_over_sla: number | null;
}, age: (hours: number) => string): string {
  const sla = `SLA ${age(source.sla_hours)}`;
  if (source.freshness_hours === null) return `never delivered records · ${sla}`;
  const over = source.status === "breached" && source.hours_over_sla !== null ? ` · ${age(source.hours_over_sla)} over` : "";
  return `${age(source.freshness_hours)} old · ${sla}${over}`;
}

// ---------------------------------------------------------------------------------------
// A run's metadata as a report
// ---------------------------------------------------------------------------------------

export interface Fact {
  key: string;
  label: string;
  value: string;
}

/** A small table: named numbers ("rows dropped per reason", "written per table"). */
export interface CountList {
  key: string;
  title: string;
  rows: { name: string; count: number }[];
}

/** A list of records (outputs per kind, EDI transaction sets, receipts…). */
export interface RecordTable {
  key: string;
  title: string;
  columns: string[];
  rows: string[][];
}

/** One listed problem, whatever produced it (ingest, onboarding, EDI). */
export interface ProblemRow {
  severity: string | null;
  rule: string | null;
  /** Where in the source: "row 3 (line 4)", "segment LIN #12, element 2". */
  where: string;
  /** The column or canonical field at fault. */
  field: string;
  value: string;
  message: string;
}

/** The badge status that gives a problem's severity its colour (error red, dropped amber). */
export function problemTone(severity: string): string {
  return { error: "failed", dropped: "warning", warning: "warning" }[severity] ?? severity;
}

export interface RunReport {
  facts: Fact[];
  counts: CountList[];
  tables: RecordTable[];
  problems: ProblemRow[];
  /** Problems counted in all (listed or not), when the metadata says. */
  problemTotal: number | null;
  notes: string[];
  /** Keys whose value has no readable shape: shown as JSON text. */
  other: Fact[];
}

const LABELS: Record<string, string> = {
  status: "Status",
  profile_id: "Profile",
  profile_version: "Profile version",
  file_name: "File",
  file_sha256: "File SHA-256",
  grain: "Grain",
  inserted: "Inserted",
  updated: "Updated",
  unchanged: "Unchanged",
  seconds: "Seconds",
  error_type: "Error type",
  where: "Where",
  problem: "Problem",
  files_done: "Files done before the failure",
  interchange_control: "Interchange control number",
  sender: "Sender",
  receiver: "Receiver",
  stream: "Stream",
  group: "Consumer group",
  consumer: "Consumer",
  dead_letter_stream: "Dead-letter stream",
  rejected: "Rejected (dead-lettered)",
  duplicates: "Duplicates skipped",
  outputs: "Outputs per kind",
  rows_dropped: "Rows dropped per reason",
  problem_counts: "Problems per rule",
  records_by_set: "Records per transaction set",
  written: "Written per table",
  ignored: "Ignored",
  applied_by_type: "Applied per event type",
  transaction_sets: "Transaction sets",
  receipts: "Receipts (852 quantity received)",
  asns: "Shipment notices (856)",
  invoices: "Invoices (810)",
  ack_997: "997 acknowledgement",
};

/** Facts first in this order; anything else follows in the metadata's order. */
const FACT_ORDER = Object.keys(LABELS);

/** `rows_dropped` → "Rows dropped"; known keys get their label. */
export function labelOf(key: string): string {
  if (LABELS[key]) return LABELS[key];
  const words = key.replaceAll("_", " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/** A value as text: numbers grouped, booleans yes/no, objects as compact JSON. */
export function textOf(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-US") : String(Math.round(value * 1000) / 1000);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A problem object (ingest `Problem`, onboarding `OnboardingProblem`, `EdiProblem`) as a row. */
export function problemRow(raw: unknown): ProblemRow {
  if (!isRecord(raw)) {
    return { severity: null, rule: null, where: "", field: "", value: "", message: textOf(raw) };
  }
  const num = (key: string) => (typeof raw[key] === "number" ? (raw[key] as number) : null);
  const str = (key: string) => (raw[key] === null || raw[key] === undefined ? null : textOf(raw[key]));
  const where: string[] = [];
  const row = num("row");
  const line = num("line");
  if (row !== null) where.push(line !== null ? `row ${row} (line ${line})` : `row ${row}`);
  else if (line !== null) where.push(`line ${line}`);
  const segment = str("segment");
  const index = num("segment_index");
  if (segment !== null || index !== null) {
    const seg = `segment ${segment ?? "?"}${index !== null ? ` #${index}` : ""}`;
    const element = num("element");
    where.push(element !== null ? `${seg}, element ${element}` : seg);
  }
  const set = str("transaction_set");
  if (set) where.push(`set ${set}`);
  const column = str("column");
  const field = str("field");
  const fieldText = column && field && column !== field ? `${column} → ${field}` : (field ?? column ?? "");
  return {
    severity: str("severity"),
    rule: str("rule"),
    where: where.join(", ") || "whole file",
    field: fieldText,
    value: str("value") ?? "",
    message: str("message") ?? textOf(raw),
  };
}

function countList(key: string, value: Record<string, unknown>): CountList {
  return {
    key,
    title: labelOf(key),
    rows: Object.entries(value).map(([name, count]) => ({ name: name.replaceAll("_", " "), count: count as number })),
  };
}

function recordTable(key: string, items: unknown[]): RecordTable {
  // The union of the objects' keys, in first-seen order; nested values as JSON text.
  const columns: string[] = [];
  for (const item of items) {
    for (const column of Object.keys(item as Record<string, unknown>)) if (!columns.includes(column)) columns.push(column);
  }
  const rows = items.map((item) => columns.map((column) => textOf((item as Record<string, unknown>)[column])));
  return { key, title: labelOf(key), columns, rows };
}

/** `outputs`: `{sales: {rows, first_date, last_date, inserted, updated, unchanged}}` → one row per kind. */
function outputsTable(value: Record<string, unknown>): RecordTable | null {
  const entries = Object.entries(value);
  if (!entries.every(([, v]) => isRecord(v))) return null;
  const table = recordTable("outputs", entries.map(([kind, v]) => ({ kind, ...(v as Record<string, unknown>) })));
  return table;
}

/**
 * A run's metadata as report sections. Known keys get their label and place; any other
 * key goes by its shape: a scalar is a fact, an object of numbers a count list, a list
 * of strings notes, a list of objects a table, anything else JSON text.
 */
export function runReport(metadata: unknown): RunReport {
  const report: RunReport = { facts: [], counts: [], tables: [], problems: [], problemTotal: null, notes: [], other: [] };
  if (metadata === null || metadata === undefined) return report;
  if (!isRecord(metadata)) {
    report.other.push({ key: "metadata", label: "Metadata", value: textOf(metadata) });
    return report;
  }
  const keys = Object.keys(metadata).sort((a, b) => {
    const ia = FACT_ORDER.indexOf(a);
    const ib = FACT_ORDER.indexOf(b);
    return (ia === -1 ? FACT_ORDER.length : ia) - (ib === -1 ? FACT_ORDER.length : ib);
  });
  for (const key of keys) {
    const value = metadata[key];
    if (key === "problems" && Array.isArray(value)) {
      report.problems = value.map(problemRow);
      continue;
    }
    if (key === "problem_count" && typeof value === "number") {
      report.problemTotal = value;
      continue;
    }
    if (key === "notes" && Array.isArray(value)) {
      report.notes.push(...value.map(textOf));
      continue;
    }
    if (key === "outputs" && isRecord(value)) {
      const table = outputsTable(value);
      if (table) {
        report.tables.push(table);
        continue;
      }
    }
    if (key === "ack_997" && typeof value === "string") {
      // The whole 997 document: useful to an integrator, too long for a fact.
      if (value) report.other.push({ key, label: labelOf(key), value });
      continue;
    }
    if (isScalar(value)) {
      report.facts.push({ key, label: labelOf(key), value: textOf(value) });
    } else if (isRecord(value) && Object.values(value).every((v) => typeof v === "number")) {
      if (Object.keys(value).length > 0) report.counts.push(countList(key, value));
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      if (value.length > 0) report.notes.push(...value.map((v) => `${labelOf(key)}: ${v}`));
    } else if (Array.isArray(value) && value.every(isRecord)) {
      if (value.length > 0) report.tables.push(recordTable(key, value));
    } else {
      report.other.push({ key, label: labelOf(key), value: textOf(value) });
    }
  }
  const perRule = metadata.problem_counts;
  if (report.problemTotal === null && isRecord(perRule) && Object.values(perRule).every((v) => typeof v === "number")) {
    report.problemTotal = Object.values(perRule).reduce<number>((sum, n) => sum + (n as number), 0);
  }
  return report;
}

/** Whether a report has anything to show. */
export function reportIsEmpty(report: RunReport): boolean {
  return (
    report.facts.length + report.counts.length + report.tables.length + report.problems.length + report.notes.length + report.other.length === 0
  );
}
