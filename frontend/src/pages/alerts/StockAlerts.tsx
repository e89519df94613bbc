/**
 * Stock alerts: a filterable list (open and acknowledged by default) and the chosen alert,
 * which a planner acknowledges, resolves or dismisses with an optional note.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, call } from "../../api/client";
import { useCan } from "../../auth/AuthContext";
import { DoneNotice } from "../../components/ActionFeedback";
import { Card } from "../../components/Card";
import { FilterSelect } from "../../components/FilterSelect";
import { QueryState } from "../../components/States";
import { formatWhen } from "../../lib/format";
import {
  alertTypeWord,
  DEFAULT_STOCK_ALERT_FILTERS,
  SEVERITIES,
  STOCK_ALERT_ACTIONS,
  STOCK_ALERT_TYPES,
  STOCK_ALERT_VIEWS,
  stockAlertActions,
  stockAlertStatusWord,
  type Severity,
  type StockAlertAction,
  type StockAlertFilters,
  type StockAlertType,
  type StockAlertViewKey,
} from "../../lib/alerts";
import { AlertActionForm } from "./ActionForm";
import { AlertBadges, AlertDetailCard } from "./AlertDetailCard";
import { AlertsLayout, AlertTable } from "./AlertList";
import { Facts } from "./Facts";
import { useStockAlert, useStockAlerts } from "./queries";
import { useAlertBrowser } from "./useAlertBrowser";

function StockAlertDetail({ alertId, onClose }: { alertId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const alert = useStockAlert(alertId);
  const canAct = useCan("planner");
  const [notes, setNotes] = useState("");
  const [notice, setNotice] = useState<string | null>(null);

  const act = useMutation({
    mutationFn: (action: StockAlertAction) => {
      const options = { params: { path: { alert_id: alertId } }, body: { notes: notes.trim() ? notes.trim() : null } };
      if (action === "acknowledge") return call(api.PATCH("/api/v1/alerts/{alert_id}/acknowledge", options));
      if (action === "resolve") return call(api.PATCH("/api/v1/alerts/{alert_id}/resolve", options));
      return call(api.PATCH("/api/v1/alerts/{alert_id}/dismiss", options));
    },
    onSuccess: (result, action) => {
      queryClient.setQueryData(["alerts", "detail", alertId], result);
      void queryClient.invalidateQueries({ queryKey: ["alerts"] });
      setNotice(`Alert ${STOCK_ALERT_ACTIONS.find((a) => a.action === action)?.done ?? action}.`);
      // A note belongs to one step; the next step starts with an empty one.
      setNotes("");
    },
  });

  return (
    <AlertDetailCard title="Stock alert" id="stock-alert-title" testId="stock-alert-detail" query={alert} onClose={onClose}>
      {(a) => {
        const allowed = stockAlertActions(a.status);
        return (
          <>
            <AlertBadges severity={a.severity} status={a.status} statusLabel={stockAlertStatusWord(a.status)} alertType={a.alert_type} statusTestId="stock-alert-status" />
            <h3 style={{ margin: 0 }}>
              {a.product_code} {a.product_name} · store {a.store_code ?? "—"}
            </h3>
            <p style={{ margin: 0 }}>{a.message}</p>
            <Facts metadata={a.metadata} />
            <div className="muted">
              Raised {formatWhen(a.created_at)} · acknowledged {formatWhen(a.acknowledged_at)} · closed {formatWhen(a.resolved_at)}
            </div>
            <DoneNotice notice={notice} />
            {canAct && allowed.length > 0 && (
              <AlertActionForm
                notesLabel="Notes (optional; kept in the audit log)"
                notes={notes}
                onNotes={setNotes}
                onSubmit={(event) => event.preventDefault()}
                pending={act.isPending}
                error={act.error}
                buttons={STOCK_ALERT_ACTIONS.filter((a) => allowed.includes(a.action)).map((a) => (
                  <button
                    key={a.action}
                    type="button"
                    className={a.action === "dismiss" ? "danger" : a.action === "resolve" ? "primary" : undefined}
                    disabled={act.isPending}
                    onClick={() => act.mutate(a.action)}
                  >
                    {a.label}
                  </button>
                ))}
              />
            )}
            {allowed.length === 0 && <span className="muted">This alert is closed; if the condition persists, the next daily run raises a new one.</span>}
            {!canAct && allowed.length > 0 && <span className="muted">A planner acknowledges, resolves or dismisses this alert.</span>}
          </>
        );
      }}
    </AlertDetailCard>
  );
}

const VIEW_OPTIONS = STOCK_ALERT_VIEWS.map((v) => ({ value: v.key, label: v.label }));

export function StockAlerts() {
  const { filters, selected, close, filterBy, table } = useAlertBrowser<StockAlertFilters>(DEFAULT_STOCK_ALERT_FILTERS);
  const alerts = useStockAlerts(filters);

  return (
    <AlertsLayout
      detailTitle="Stock alert"
      hint="Open an alert to see the numbers behind it and act on it."
      detail={selected ? <StockAlertDetail key={selected} alertId={selected} onClose={close} /> : null}
      list={
        <Card title="Stock alerts" id="stock-alerts-title">
          <div className="row" style={{ marginBottom: "0.75rem" }}>
            <FilterSelect<StockAlertViewKey> label="Status" value={filters.view} options={VIEW_OPTIONS} onChange={(view) => filterBy({ view })} />
            <FilterSelect<Severity | ""> label="Severity" value={filters.severity} options={SEVERITIES} anyLabel="Any severity" onChange={(severity) => filterBy({ severity })} />
            <FilterSelect<StockAlertType | ""> label="Type" value={filters.type} options={STOCK_ALERT_TYPES} anyLabel="Any type" onChange={(type) => filterBy({ type })} />
          </div>
          <QueryState query={alerts} loading="Loading stock alerts…" isEmpty={(page) => page.total === 0} empty="No stock alert matches these filters.">
            {(page) => (
              <AlertTable
                label="Stock alerts"
                itemHeader="Item"
                rows={page.items.map((a) => ({
                  id: a.alert_id,
                  severity: a.severity,
                  status: a.status,
                  statusLabel: stockAlertStatusWord(a.status),
                  createdAt: a.created_at,
                  title: `${a.product_code ?? "—"} · ${a.store_code ?? "—"}`,
                  subtitle: `${alertTypeWord(a.alert_type)}${a.product_name ? ` · ${a.product_name}` : ""}`,
                }))}
                total={page.total}
                {...table}
              />
            )}
          </QueryState>
        </Card>
      }
    />
  );
}
