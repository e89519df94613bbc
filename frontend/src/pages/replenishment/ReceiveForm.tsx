/**
 * Receive an approved order: the day it arrived and what arrived per line. The shortfall
 * per line shows while typing; more than ordered is refused before sending.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { api, call, type Schema } from "../../api/client";
import { ActionError, InputProblems, Saving } from "../../components/ActionFeedback";
import { NotesField } from "../../components/NotesField";
import { formatNumber } from "../../lib/format";
import { discrepancies, draftOf, isoDay, receiptProblems, totalShort, units, type Draft } from "../../lib/replenishment";
import { ORDER_KEYS } from "./queries";

type PO = Schema<"PORead">;

export function ReceiveForm({ po, onDone }: { po: PO; onDone: (message: string) => void }) {
  const queryClient = useQueryClient();
  const today = isoDay(new Date());
  const [receivedDate, setReceivedDate] = useState(today);
  const [received, setReceived] = useState<Draft>(() => draftOf(po.lines));
  const [notes, setNotes] = useState("");
  const [problems, setProblems] = useState<string[]>([]);
  const receipt = discrepancies(po.lines, received);
  const short = totalShort(receipt);

  const receive = useMutation({
    mutationFn: (body: Schema<"POReceive">) =>
      call(api.POST("/api/v1/purchase-orders/{po_id}/receive", { params: { path: { po_id: po.po_id } }, body })),
    onSuccess: (result) => {
      queryClient.setQueryData(["purchase-orders", "detail", po.po_id], result.purchase_order);
      for (const key of ORDER_KEYS) void queryClient.invalidateQueries({ queryKey: key });
      const shortfall = (result.receipt?.lines ?? []).reduce((sum, line) => sum + Math.max(0, line.short), 0);
      onDone(
        `${result.purchase_order.po_number ?? "The order"} is received${shortfall > 0 ? `: ${units(shortfall)} short, recorded as a discrepancy` : " in full"}.`,
      );
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = receiptProblems(receipt, receivedDate, po.order_date, today);
    setProblems(found);
    if (found.length > 0) return;
    receive.mutate({
      received_date: receivedDate,
      lines: receipt.map((line) => ({ product_id: line.product_id, received_quantity: line.received })),
      notes: notes.trim() ? notes.trim() : undefined,
    });
  };


  return (
    <form onSubmit={onSubmit} aria-label="Receive this order" noValidate>
      <h3>Receive</h3>
      <div className="table-wrap">
        <table aria-label="Receipt">
          <thead>
            <tr>
              <th>Product</th>
              <th className="num">Ordered</th>
              <th className="num">Received</th>
              <th className="num">Short</th>
            </tr>
          </thead>
          <tbody>
            {receipt.map((line) => (
              <tr key={line.product_id}>
                <td>{line.product_code}</td>
                <td className="num">{formatNumber(line.ordered)}</td>
                <td className="num">
                  <input
                    type="number"
                    min={0}
                    max={line.ordered}
                    aria-label={`Received of ${line.product_code}`}
                    value={received[line.product_id] ?? ""}
                    onChange={(event) => setReceived({ ...received, [line.product_id]: event.target.value })}
                    style={{ width: "7rem", textAlign: "right" }}
                  />
                </td>
                <td className="num" style={line.short !== 0 ? { color: "var(--danger)", fontWeight: 600 } : undefined}>
                  {Number.isNaN(line.short) ? "—" : line.short === 0 ? "—" : formatNumber(line.short)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p data-testid="receipt-discrepancy" aria-live="polite">
        {short > 0 ? `Discrepancy: ${units(short)} short of the order.` : "No discrepancy: everything ordered arrived."}
      </p>
      <div className="form">
        <label>
          Received on
          <input type="date" value={receivedDate} max={today} min={po.order_date ?? undefined} onChange={(event) => setReceivedDate(event.target.value)} />
        </label>
        <NotesField label="Notes about the delivery (optional)" value={notes} onChange={setNotes} />
        <div className="row">
          <button type="submit" className="primary" disabled={receive.isPending}>
            Record receipt
          </button>
          <Saving pending={receive.isPending} />
        </div>
        <InputProblems problems={problems} />
        {problems.length === 0 && <ActionError error={receive.error} />}
      </div>
    </form>
  );
}
