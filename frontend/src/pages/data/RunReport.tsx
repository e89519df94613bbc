/** A sync run's validation report, read from its `metadata` (whatever shape it has). */
import { Badge } from "../../components/Badge";
import { formatInt } from "../../lib/format";
import { problemTone, reportIsEmpty, runReport, type RecordTable } from "../../lib/data";

function Table({ table }: { table: RecordTable }) {
  return (
    <div className="section" style={{ marginTop: "0.75rem" }}>
      <h3>{table.title}</h3>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              {table.columns.map((column) => (
                <th key={column}>{column.replaceAll("_", " ")}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function RunReport({ metadata }: { metadata: unknown }) {
  const report = runReport(metadata);
  if (reportIsEmpty(report)) return <p className="muted">This run recorded no details.</p>;
  const listed = report.problems.length;
  return (
    <div data-testid="run-report">
      {report.facts.length > 0 && (
        <dl style={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(180px, 1fr))", gap: "0.5rem 1rem", margin: 0 }}>
          {report.facts.map((fact) => (
            <div key={fact.key} style={{ minWidth: 0 }}>
              <dt className="muted" style={{ fontSize: "0.8rem" }}>
                {fact.label}
              </dt>
              <dd style={{ margin: 0, overflowWrap: "anywhere" }}>{fact.key === "status" ? <Badge status={fact.value} /> : fact.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {report.tables.map((table) => (
        <Table key={table.key} table={table} />
      ))}
      {report.counts.length > 0 && (
        <div className="row" style={{ alignItems: "flex-start", gap: "2rem", marginTop: "0.75rem" }}>
          {report.counts.map((list) => (
            <div key={list.key}>
              <h3>{list.title}</h3>
              <table style={{ width: "auto" }}>
                <tbody>
                  {list.rows.map((row) => (
                    <tr key={row.name}>
                      <td>{row.name}</td>
                      <td className="num">{formatInt(row.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </div>
      )}
      {(listed > 0 || (report.problemTotal ?? 0) > 0) && (
        <div style={{ marginTop: "0.75rem" }}>
          <h3>
            Problems{" "}
            <span className="muted" style={{ fontWeight: 400 }}>
              {report.problemTotal !== null && report.problemTotal > listed
                ? `(${formatInt(listed)} listed of ${formatInt(report.problemTotal)})`
                : `(${formatInt(listed)})`}
            </span>
          </h3>
          {listed > 0 && (
            <div className="table-wrap">
              <table aria-label="Problems">
                <thead>
                  <tr>
                    <th>Severity</th>
                    <th>Rule</th>
                    <th>Where</th>
                    <th>Field</th>
                    <th>Value</th>
                    <th>Message</th>
                  </tr>
                </thead>
                <tbody>
                  {report.problems.map((problem, i) => (
                    <tr key={i}>
                      <td>{problem.severity ? <Badge status={problemTone(problem.severity)} label={problem.severity} /> : "—"}</td>
                      <td>{problem.rule?.replaceAll("_", " ") ?? "—"}</td>
                      <td>{problem.where}</td>
                      <td>{problem.field || "—"}</td>
                      <td>
                        <code>{problem.value}</code>
                      </td>
                      <td>{problem.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
      {report.notes.length > 0 && (
        <div style={{ marginTop: "0.75rem" }}>
          <h3>Notes</h3>
          <ul style={{ margin: 0 }}>
            {report.notes.map((note, i) => (
              <li key={i}>{note}</li>
            ))}
          </ul>
        </div>
      )}
      {report.other.map((item) => (
        <div key={item.key} style={{ marginTop: "0.75rem" }}>
          <h3>{item.label}</h3>
          <pre style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere", background: "var(--grid)", padding: "0.5rem", borderRadius: "var(--radius)", margin: 0 }}>
            {item.value}
          </pre>
        </div>
      ))}
    </div>
  );
}
