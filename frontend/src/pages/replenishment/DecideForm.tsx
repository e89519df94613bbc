/**
 * Approve, edit or reject a suggested order: quantities per line (a change makes it an edit,
 * which needs a reason code), reason code and notes. Problems show beside the buttons and
 * what was typed stays.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { api, call, type Schema } from "../../api/client";
import { ActionError, InputProblems, Saving } from "../../components/ActionFeedback";
import { NotesField } from "../../components/NotesField";
import { formatNumber } from "../../lib/format";
import {
  changedLines,
  decisionProblems,
  draftOf,
  draftTotal,
  formatCents,
  lineTotal,
  poStatusWord,
  REASON_CODES,
  type Draft,
  type ReasonCode,
} from "../../lib/replenishment";
import { ORDER_KEYS } from "./queries";

type PO = Schema<"PORead">;
type Decision = { action: "approve"; body: Schema<"POApprove"> } | { action: "reject"; body: Schema<"POReject"> };

export function DecideForm({ po, onDone }: { po: PO; onDone: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(po.lines));
  const [reason, setReason] = useState<ReasonCode | "">("");
  const [notes, setNotes] = useState("");
  const [problems, setProblems] = useState<string[]>([]);
  const minOrderQty = po.supplier?.min_order_qty ?? 0;
  const changed = changedLines(po.lines, draft);

  const decide = useMutation({
    mutationFn: (decision: Decision) => {
      const path = { po_id: po.po_id };
      return decision.action === "approve"
        ? call(api.POST("/api/v1/purchase-orders/{po_id}/approve", { params: { path }, body: decision.body }))
        : call(api.POST("/api/v1/purchase-orders/{po_id}/reject", { params: { path }, body: decision.body }));
    },
    onSuccess: (result) => {
      queryClient.setQueryData(["purchase-orders", "detail", po.po_id], result.purchase_order);
      for (const key of ORDER_KEYS) void queryClient.invalidateQueries({ queryKey: key });
      onDone(`${result.purchase_order.po_number ?? "The order"} is now ${poStatusWord(result.purchase_order.status).toLowerCase()}.`);
    },
  });

  const submit = (action: "approve" | "reject") => {
    const found = decisionProblems(action, po.lines, draft, minOrderQty, reason, notes);
    setProblems(found);
    if (found.length > 0) return;
    const note = notes.trim() ? notes.trim() : undefined;
    if (action === "reject") {
      decide.mutate({ action, body: { reason_code: reason as ReasonCode, notes: note } });
    } else if (changed.length > 0) {
      decide.mutate({ action, body: { lines: changed, reason_code: reason as ReasonCode, notes: note } });
    } else {
      decide.mutate({ action, body: { notes: note } });
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit("approve");
  };

  const total = draftTotal(po.lines, draft);

  return (
    <form onSubmit={onSubmit} aria-label="Decide on this order" noValidate>
      <div className="table-wrap">
        <table aria-label="Order lines">
          <thead>
            <tr>
              <th>Product</th>
              <th className="num">Suggested</th>
              <th className="num">Pack</th>
              <th className="num">Order quantity</th>
              <th className="num">Unit cost</th>
              <th className="num">Line total</th>
            </tr>
          </thead>
          <tbody>
            {po.lines.map((line) => {
              const typed = draft[line.product_id] ?? "";
              const quantity = typed.trim() === "" ? line.quantity : Number(typed);
              return (
                <tr key={line.product_id}>
                  <td>
                    <strong>{line.product_code}</strong> {line.product_name}
                  </td>
                  <td className="num">{formatNumber(line.suggested_quantity)}</td>
                  <td className="num">{line.pack_size}</td>
                  <td className="num">
                    <input
                      type="number"
                      inputMode="numeric"
                      min={0}
                      step={line.pack_size}
                      aria-label={`Quantity of ${line.product_code}`}
                      value={typed}
                      onChange={(event) => setDraft({ ...draft, [line.product_id]: event.target.value })}
                      style={{ width: "7rem", textAlign: "right" }}
                    />
                  </td>
                  <td className="num">{formatCents(line.unit_cost)}</td>
                  <td className="num">{Number.isNaN(quantity) ? "—" : formatCents(lineTotal(quantity, line.unit_cost))}</td>
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <td colSpan={5}>
                <strong>Total</strong>
                {changed.length > 0 && <span className="muted"> (was {formatCents(po.total_cost)})</span>}
              </td>
              <td className="num" data-testid="draft-total">
                <strong>{formatCents(total)}</strong>
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
      <div className="form" style={{ marginTop: "0.75rem" }}>
        <label>
          Reason code {changed.length > 0 ? "(needed: quantities changed)" : "(needed to change or reject)"}
          <select value={reason} onChange={(event) => setReason(event.target.value as ReasonCode | "")}>
            <option value="">Choose a reason…</option>
            {REASON_CODES.map((r) => (
              <option key={r.code} value={r.code}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <NotesField label={`Notes ${reason === "other" ? "(needed)" : "(optional)"}`} value={notes} onChange={setNotes} />
        <div className="row">
          <button type="submit" className="primary" disabled={decide.isPending}>
            {changed.length > 0 ? "Approve with changes" : "Approve"}
          </button>
          <button type="button" className="danger" disabled={decide.isPending} onClick={() => submit("reject")}>
            Reject
          </button>
          {changed.length > 0 && (
            <button type="button" onClick={() => setDraft(draftOf(po.lines))} disabled={decide.isPending}>
              Undo changes
            </button>
          )}
          <Saving pending={decide.isPending} />
        </div>
        <InputProblems problems={problems} />
        {problems.length === 0 && <ActionError error={decide.error} />}
      </div>
    </form>
  );
}
