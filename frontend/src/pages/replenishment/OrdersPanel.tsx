/** Purchase orders: the lists a planner works through (suggested, to receive, …) and the chosen order. */
import { useState } from "react";

import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { Pager } from "../../components/Pager";
import { QueryState } from "../../components/States";
import { linkButton, selectedRow } from "../../components/styles";
import { formatMoney, formatWhen } from "../../lib/format";
import { PO_VIEWS, poStatusWord, type POViewKey } from "../../lib/replenishment";
import { OrderDetail } from "./OrderDetail";
import { useOrders } from "./queries";

const LIMIT = 20;

const EMPTY: Record<POViewKey, string> = {
  suggested: "No suggested orders: the daily run found nothing to order, or every suggestion has been decided.",
  to_receive: "No approved orders wait for delivery.",
  received: "No order has been received yet.",
  rejected: "No order has been rejected.",
};

export function OrdersPanel() {
  const [view, setView] = useState<POViewKey>("suggested");
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const orders = useOrders(view, offset, LIMIT);

  return (
    <div className="grid-2 section">
      <Card title="Purchase orders" id="orders-title">
        <div className="row" role="group" aria-label="Which orders" style={{ marginBottom: "0.75rem" }}>
          {PO_VIEWS.map((v) => (
            <button
              key={v.key}
              type="button"
              aria-pressed={view === v.key}
              className={view === v.key ? "primary" : undefined}
              onClick={() => {
                setView(v.key);
                setOffset(0);
              }}
            >
              {v.label}
            </button>
          ))}
        </div>
        <QueryState query={orders} loading="Loading orders…" isEmpty={(page) => page.total === 0} empty={EMPTY[view]}>
          {(page) => (
            <>
              <div className="table-wrap">
                <table aria-label="Purchase orders">
                  <thead>
                    <tr>
                      <th>Order</th>
                      <th>Store · supplier</th>
                      <th className="num">Lines</th>
                      <th className="num">Total</th>
                      <th>Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((po) => (
                      <tr key={po.po_id} aria-current={selected === po.po_id ? "true" : undefined} style={selectedRow(selected === po.po_id)}>
                        <td>
                          <button type="button" onClick={() => setSelected(po.po_id)} aria-label={`Open ${po.po_number ?? po.po_id}`} style={{ ...linkButton, whiteSpace: "nowrap" }}>
                            {po.po_number ?? "Order"}
                          </button>
                          <div className="muted" style={{ fontSize: "0.8rem" }}>
                            {po.received_date ? `received ${formatWhen(po.received_date)}` : po.expected_delivery_date ? `due ${formatWhen(po.expected_delivery_date)}` : ""}
                          </div>
                        </td>
                        <td>
                          {po.store.store_code} · {po.supplier?.name ?? "no supplier"}
                        </td>
                        <td className="num">{po.line_count}</td>
                        <td className="num">{formatMoney(po.total_cost)}</td>
                        <td>
                          <Badge status={po.status} label={poStatusWord(po.status)} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager label="Orders" total={page.total} offset={offset} limit={LIMIT} shown={page.items.length} onOffset={setOffset} />
            </>
          )}
        </QueryState>
      </Card>
      {selected ? (
        <OrderDetail key={selected} poId={selected} onClose={() => setSelected(null)} />
      ) : (
        <Card title="Order">
          <div className="state">Open an order to review its lines, decide on it, receive it and see its history.</div>
        </Card>
      )}
    </div>
  );
}
