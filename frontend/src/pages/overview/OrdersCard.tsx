/** Suggested purchase orders waiting for a planner's decision. */
import { Link } from "react-router-dom";

import { Card, Stat } from "../../components/Card";
import { QueryState } from "../../components/States";
import { formatInt, formatMoney } from "../../lib/format";
import { poTotals } from "../../lib/overview";
import { useSuggestedOrders } from "./queries";

export function OrdersCard() {
  const query = useSuggestedOrders();
  return (
    <Card title="Suggested orders" id="card-orders" actions={<Link to="/replenishment">Review orders</Link>}>
      <QueryState
        query={query}
        loading="Loading suggested orders…"
        isEmpty={(page) => page.total === 0}
        empty={<>No suggested orders waiting. The nightly replenishment job suggests orders for items below their reorder point.</>}
      >
        {(page) => {
          const totals = poTotals(page.items, page.total);
          const suppliers = new Set(page.items.map((po) => po.supplier?.supplier_code ?? "—")).size;
          const stores = new Set(page.items.map((po) => po.store.store_code)).size;
          return (
            <div className="row" style={{ gap: "1.5rem" }} data-testid="orders-totals">
              <Stat label="Orders waiting" value={formatInt(totals.count)} hint={`${formatInt(stores)} store(s), ${formatInt(suppliers)} supplier(s)`} />
              <Stat
                label="Total value"
                value={formatMoney(totals.value)}
                hint={
                  totals.partial
                    ? `first ${formatInt(page.items.length)} orders`
                    : totals.unpriced > 0
                      ? `${formatInt(totals.unpriced)} order(s) without a cost`
                      : "at supplier unit costs"
                }
              />
            </div>
          );
        }}
      </QueryState>
    </Card>
  );
}
