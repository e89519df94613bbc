/** The list half of an alerts tab: a paged table of alerts, each opening its detail beside it. */
import type { ReactNode } from "react";

import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { Pager } from "../../components/Pager";
import { linkButton, selectedRow } from "../../components/styles";
import { formatWhen } from "../../lib/format";

/** What the table shows of one alert, whatever its kind. */
export interface AlertRowView {
  id: string;
  severity: string;
  status: string;
  statusLabel: string;
  createdAt: string | null;
  /** The words of the button that opens the alert. */
  title: ReactNode;
  /** The small line under the title. */
  subtitle: ReactNode;
  /** The alert's dedupe key, when it has one (kept on the button for tracing). */
  dedupe?: string | null;
}

/** A page of alerts as a table (Severity, `itemHeader`, Status, Raised) with its pager. */
export function AlertTable({
  label,
  itemHeader,
  rows,
  selected,
  onSelect,
  total,
  offset,
  limit,
  onOffset,
}: {
  label: string;
  itemHeader: string;
  rows: AlertRowView[];
  selected: string | null;
  onSelect: (id: string) => void;
  total: number;
  offset: number;
  limit: number;
  onOffset: (offset: number) => void;
}) {
  return (
    <>
      <div className="table-wrap">
        <table aria-label={label}>
          <thead>
            <tr>
              <th>Severity</th>
              <th>{itemHeader}</th>
              <th>Status</th>
              <th>Raised</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-alert-id={row.id} aria-current={selected === row.id ? "true" : undefined} style={selectedRow(selected === row.id)}>
                <td>
                  <Badge status={row.severity} />
                </td>
                <td>
                  <button type="button" onClick={() => onSelect(row.id)} style={linkButton} data-dedupe={row.dedupe ?? undefined}>
                    {row.title}
                  </button>
                  <div className="muted" style={{ fontSize: "0.8rem" }}>
                    {row.subtitle}
                  </div>
                </td>
                <td>
                  <Badge status={row.status} label={row.statusLabel} />
                </td>
                <td>{formatWhen(row.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager label={label} total={total} offset={offset} limit={limit} shown={rows.length} onOffset={onOffset} />
    </>
  );
}

/** The list card beside the opened alert, or beside a card that says what opening one does. */
export function AlertsLayout({
  list,
  detail,
  detailTitle,
  hint,
}: {
  list: ReactNode;
  detail: ReactNode | null;
  detailTitle: string;
  hint: string;
}) {
  return (
    <div className="grid-2">
      {list}
      {detail ?? (
        <Card title={detailTitle}>
          <div className="state">{hint}</div>
        </Card>
      )}
    </div>
  );
}
