/** Recent forecast days whose sales arrived: what was forecast, what sold, and the miss. */
import { Badge } from "../../components/Badge";
import { formatNumber } from "../../lib/format";
import { recentActuals, type ActualPoint } from "../../lib/forecasts";

const INTERVAL_BADGE = {
  inside: { status: "ok", label: "inside" },
  outside: { status: "warn", label: "outside" },
  unknown: { status: "", label: "no band" },
} as const;

export function ActualsTable({ actuals }: { actuals: ActualPoint[] }) {
  const rows = recentActuals(actuals, 14);
  if (rows.length === 0) {
    return (
      <div className="state">
        No forecast day of this series has its sales yet. Actuals appear here once a forecast day's sales are imported
        and scored.
      </div>
    );
  }
  return (
    <div className="table-wrap">
      <table aria-label="Recent actuals against forecast">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Issued</th>
            <th scope="col" className="num">
              Forecast
            </th>
            <th scope="col" className="num">
              Actual
            </th>
            <th scope="col" className="num" title="Actual minus forecast: positive means the forecast was too low">
              Error
            </th>
            <th scope="col">Within band</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const badge = INTERVAL_BADGE[row.interval];
            return (
              <tr key={row.key}>
                <td>{row.date}</td>
                <td>{row.issueDate}</td>
                <td className="num">{formatNumber(row.forecast)}</td>
                <td className="num">
                  {formatNumber(row.actual)}
                  {row.stockout && (
                    <span title="Stock-out day: sales are censored" style={{ marginLeft: "0.35rem" }}>
                      <Badge status="out_of_stock" label="stock-out" />
                    </span>
                  )}
                </td>
                <td className="num">
                  {row.error > 0 ? "+" : ""}
                  {formatNumber(row.error)}
                </td>
                <td>
                  <Badge status={badge.status} label={badge.label} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
