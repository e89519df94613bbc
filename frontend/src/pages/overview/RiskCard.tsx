/** Items at stock-out risk: the inventory's status counts and the most urgent items. */
import { Link } from "react-router-dom";

import { Badge } from "../../components/Badge";
import { Card, Stat } from "../../components/Card";
import { Empty, ErrorPanel, Loading, QueryState } from "../../components/States";
import { formatInt, formatNumber, formatWhen } from "../../lib/format";
import { topRiskItems } from "../../lib/overview";
import { useInventorySummary, useRiskItems } from "./queries";

const TOP = 5;

function TopItems() {
  const query = useRiskItems(TOP);
  if (query.isPending) return <Loading label="Loading the most urgent items…" lines={2} />;
  if (query.isError) return <ErrorPanel error={query.error} onRetry={() => void query.refetch()} />;
  const items = topRiskItems(query.data, TOP);
  if (items.length === 0) return <Empty>Nothing is out of stock or critical.</Empty>;
  return (
    <div className="table-wrap">
      <table aria-label="Most urgent items">
        <thead>
          <tr>
            <th>Item</th>
            <th>Store</th>
            <th>Status</th>
            <th className="num">Days of supply</th>
            <th className="num">Order</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.policy_id}>
              <td>
                <strong>{item.product_code}</strong> <span className="muted">{item.product_name}</span>
              </td>
              <td>{item.store_code}</td>
              <td>{item.stock_status && <Badge status={item.stock_status} />}</td>
              <td className="num">{formatNumber(item.days_of_supply, 1)}</td>
              <td className="num">{formatInt(item.recommended_quantity)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RiskCard() {
  const summary = useInventorySummary();
  return (
    <Card title="Stock-out risk" id="card-risk" actions={<Link to="/replenishment">Open replenishment</Link>}>
      <QueryState
        query={summary}
        loading="Loading inventory…"
        isEmpty={(s) => s.items === 0}
        empty={
          <>
            <strong>No inventory plan yet.</strong> Once sales and inventory are loaded and a champion forecasts,
            the nightly replenishment job plans every store × product.
          </>
        }
      >
        {(s) => (
          <>
            <div className="row" style={{ gap: "1.5rem", marginBottom: "0.75rem" }} data-testid="risk-counts">
              <Stat label="Out of stock" value={<span style={{ color: "var(--danger)" }}>{formatInt(s.by_status.out_of_stock)}</span>} />
              <Stat label="Critical" value={<span style={{ color: "var(--danger)" }}>{formatInt(s.by_status.critical)}</span>} />
              <Stat label="Low" value={<span style={{ color: "var(--warn)" }}>{formatInt(s.by_status.low)}</span>} />
              <Stat label="At or below reorder point" value={formatInt(s.below_reorder_point)} hint={`of ${formatInt(s.items)} items · planned ${formatWhen(s.computed_at)}`} />
            </div>
            <TopItems />
          </>
        )}
      </QueryState>
    </Card>
  );
}
