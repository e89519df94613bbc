/** Open stock alerts and unread ML alerts, by severity. */
import { Link } from "react-router-dom";

import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { ErrorPanel, Loading } from "../../components/States";
import { formatInt } from "../../lib/format";
import { alertRows, type SeverityCounts } from "../../lib/overview";
import { useMlAlertStats, useStockAlertCounts } from "./queries";

export function AlertsCard() {
  const stock = useStockAlertCounts();
  const ml = useMlAlertStats();
  let body;
  if (stock.isPending || ml.isPending) {
    body = <Loading label="Loading alerts…" lines={2} />;
  } else if (stock.isError && ml.isError) {
    body = (
      <ErrorPanel
        error={stock.error}
        onRetry={() => {
          void stock.refetch();
          void ml.refetch();
        }}
      />
    );
  } else {
    // One of the two may have failed: show the other's counts and say which is missing.
    const stockCounts: SeverityCounts = stock.data ?? {};
    const mlCounts: SeverityCounts = ml.data?.unread ?? {};
    const table = alertRows(stockCounts, mlCounts);
    body = (
      <>
        {table.total === 0 && !stock.isError && !ml.isError ? (
          <div className="state">No open alerts.</div>
        ) : (
          <div className="table-wrap">
            <table aria-label="Alerts by severity">
              <thead>
                <tr>
                  <th>Severity</th>
                  <th className="num">Stock (open)</th>
                  <th className="num">ML (unread)</th>
                </tr>
              </thead>
              <tbody>
                {table.rows.map((row) => (
                  <tr key={row.severity} data-testid={`alerts-${row.severity}`}>
                    <td>
                      <Badge status={row.severity} />
                    </td>
                    <td className="num">{stock.isError ? "—" : formatInt(row.stock)}</td>
                    <td className="num">{ml.isError ? "—" : formatInt(row.ml)}</td>
                  </tr>
                ))}
                <tr>
                  <td>
                    <strong>Total</strong>
                  </td>
                  <td className="num">
                    <strong>{stock.isError ? "—" : formatInt(table.stock)}</strong>
                  </td>
                  <td className="num">
                    <strong>{ml.isError ? "—" : formatInt(table.ml)}</strong>
                  </td>
                </tr>
              </tbody>
            </table>
          </div>
        )}
        {stock.isError && <ErrorPanel error={stock.error} onRetry={() => void stock.refetch()} />}
        {ml.isError && <ErrorPanel error={ml.error} onRetry={() => void ml.refetch()} />}
      </>
    );
  }
  return (
    <Card title="Open alerts" id="card-alerts" actions={<Link to="/alerts">Open alerts</Link>}>
      {body}
    </Card>
  );
}
