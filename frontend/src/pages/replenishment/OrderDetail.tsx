/** One purchase order: header, lines, the step its status allows (decide or receive) and its history. */
import { useState } from "react";

import { useCan } from "../../auth/AuthContext";
import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { QueryState } from "../../components/States";
import { formatNumber, formatWhen } from "../../lib/format";
import { formatCents, lineTotal, poActions, poStatusWord, receivedDiscrepancies, totalShort, units, type POLine } from "../../lib/replenishment";
import { DecideForm } from "./DecideForm";
import { DecisionHistory } from "./DecisionHistory";
import { useOrder } from "./queries";
import { ReceiveForm } from "./ReceiveForm";

/** The lines as they stand (read-only), with what arrived once received. */
function LinesTable({ lines, received }: { lines: POLine[]; received: boolean }) {
  const receipt = received ? receivedDiscrepancies(lines) : [];
  return (
    <div className="table-wrap">
      <table aria-label="Order lines">
        <thead>
          <tr>
            <th>Product</th>
            <th className="num">Suggested</th>
            <th className="num">Ordered</th>
            {received && <th className="num">Received</th>}
            {received && <th className="num">Short</th>}
            <th className="num">Unit cost</th>
            <th className="num">Line total</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line, i) => (
            <tr key={line.product_id}>
              <td>
                <strong>{line.product_code}</strong> {line.product_name}
              </td>
              <td className="num">{formatNumber(line.suggested_quantity)}</td>
              <td className="num">{formatNumber(line.quantity)}</td>
              {received && <td className="num">{formatNumber(receipt[i]!.received)}</td>}
              {received && <td className="num">{receipt[i]!.short > 0 ? formatNumber(receipt[i]!.short) : "—"}</td>}
              <td className="num">{formatCents(line.unit_cost)}</td>
              <td className="num">{formatCents(lineTotal(line.quantity, line.unit_cost))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {received && (
        <p data-testid="po-discrepancy">
          {totalShort(receipt) > 0 ? `Discrepancy: ${units(totalShort(receipt))} short of the order.` : "Everything ordered arrived."}
        </p>
      )}
    </div>
  );
}

export function OrderDetail({ poId, onClose }: { poId: string; onClose: () => void }) {
  const order = useOrder(poId);
  const canPlan = useCan("planner");
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <Card
      title={order.data?.po_number ?? "Order"}
      id="order-title"
      actions={
        <button type="button" onClick={onClose}>
          Close
        </button>
      }
    >
      <QueryState query={order} loading="Loading the order…">
        {(po) => {
          const allowed = poActions(po.status);
          return (
            <div style={{ display: "flex", flexDirection: "column", gap: "1rem" }} data-testid="order-detail">
              <div className="row">
                <span data-testid="po-status">
                  <Badge status={po.status} label={poStatusWord(po.status)} />
                </span>
                <span className="muted">
                  {po.store.store_code} {po.store.name} · {po.supplier ? `${po.supplier.name} (lead time ${formatNumber(po.supplier.lead_time_days, 1)} d, minimum ${po.supplier.min_order_qty} per line)` : "no supplier"}
                </span>
              </div>
              <div className="row muted">
                <span>Ordered {formatWhen(po.order_date)}</span>·<span>Due {formatWhen(po.expected_delivery_date)}</span>·
                <span>Received {formatWhen(po.received_date)}</span>·<span>Total {formatCents(po.total_cost)}</span>
              </div>
              {notice && (
                <div className="notice" role="status">
                  {notice}
                </div>
              )}
              {allowed.decide && canPlan ? (
                <DecideForm po={po} onDone={setNotice} />
              ) : allowed.receive && canPlan ? (
                <>
                  <LinesTable lines={po.lines} received={false} />
                  <ReceiveForm po={po} onDone={setNotice} />
                </>
              ) : (
                <LinesTable lines={po.lines} received={po.status === "received"} />
              )}
              <DecisionHistory poId={po.po_id} />
            </div>
          );
        }}
      </QueryState>
    </Card>
  );
}
