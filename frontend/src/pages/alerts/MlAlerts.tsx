/**
 * ML alerts: unread counts, a filterable list and the chosen alert, which anyone may mark
 * as read and an ML manager may approve or dismiss with a note.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { api, call } from "../../api/client";
import { useCan } from "../../auth/AuthContext";
import { ActionError, DoneNotice } from "../../components/ActionFeedback";
import { Card, Stat } from "../../components/Card";
import { FilterSelect } from "../../components/FilterSelect";
import { QueryState } from "../../components/States";
import { formatInt, formatWhen } from "../../lib/format";
import {
  alertTypeWord,
  DEFAULT_ML_ALERT_FILTERS,
  ML_ALERT_STATUSES,
  mlAlertActions,
  mlAlertStatusWord,
  SEVERITIES,
  unreadBySeverity,
  type MlAlertFilters,
  type MlAlertStatus,
  type Severity,
} from "../../lib/alerts";
import { AlertActionForm } from "./ActionForm";
import { AlertBadges, AlertDetailCard } from "./AlertDetailCard";
import { AlertsLayout, AlertTable } from "./AlertList";
import { Facts } from "./Facts";
import { useMlAlert, useMlAlertStats, useMlAlerts } from "./queries";
import { useAlertBrowser } from "./useAlertBrowser";

const STATUS_OPTIONS = ML_ALERT_STATUSES.map((status) => ({ value: status, label: mlAlertStatusWord(status) }));

function Stats() {
  const stats = useMlAlertStats();
  return (
    <QueryState query={stats} loading="Loading counts…">
      {(data) => (
        <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(120px, 1fr))", marginBottom: "1rem" }}>
          <Stat label="Unread" value={<span data-testid="ml-unread-total">{formatInt(data.total_unread)}</span>} />
          {unreadBySeverity(data).map((row) => (
            <Stat key={row.severity} label={`Unread ${row.label.toLowerCase()}`} value={formatInt(row.count)} />
          ))}
          <Stat label="Approved" value={formatInt(data.by_status.actioned)} />
          <Stat label="Dismissed" value={formatInt(data.by_status.dismissed)} />
        </div>
      )}
    </QueryState>
  );
}

function MlAlertDetail({ alertId, onClose }: { alertId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const alert = useMlAlert(alertId);
  const canAct = useCan("ml_manager");
  const [notes, setNotes] = useState("");
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["ml-alerts"] });

  const markRead = useMutation({
    mutationFn: () => call(api.PATCH("/api/v1/ml-alerts/{alert_id}/read", { params: { path: { alert_id: alertId } } })),
    onSuccess: (result) => {
      queryClient.setQueryData(["ml-alerts", "detail", alertId], result);
      refresh();
      setNotice("Marked as read.");
    },
  });

  const act = useMutation({
    mutationFn: (action: "approve" | "dismiss") =>
      call(
        api.PATCH("/api/v1/ml-alerts/{alert_id}/action", {
          params: { path: { alert_id: alertId } },
          body: { action, notes: notes.trim() ? notes.trim() : null },
        }),
      ),
    onSuccess: (result) => {
      queryClient.setQueryData(["ml-alerts", "detail", alertId], result);
      refresh();
      // Approving a drift alert promoted a model: the model pages show other data now.
      if (result.promoted_version) void queryClient.invalidateQueries({ queryKey: ["models"] });
      setNotice(
        result.status === "actioned"
          ? `Approved.${result.promoted_version ? ` Version ${result.promoted_version} is now the champion.` : ""}`
          : "Dismissed.",
      );
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    act.mutate("approve");
  };

  return (
    <AlertDetailCard title="ML alert" id="ml-alert-title" testId="ml-alert-detail" query={alert} onClose={onClose}>
      {(a) => {
        const allowed = mlAlertActions(a.status);
        return (
          <>
            <AlertBadges severity={a.severity} status={a.status} statusLabel={mlAlertStatusWord(a.status)} alertType={a.alert_type} statusTestId="ml-alert-status" />
            <h3 style={{ margin: 0 }}>{a.title}</h3>
            <p style={{ margin: 0 }}>{a.message}</p>
            <Facts metadata={a.metadata} />
            <div className="muted">
              Raised {formatWhen(a.created_at)} · read {formatWhen(a.read_at)}
              {a.actioned_at && ` · ${a.status === "dismissed" ? "dismissed" : "approved"} ${formatWhen(a.actioned_at)} by ${a.actioned_by ?? "—"}`}
            </div>
            {a.action_notes && <div>Notes: {a.action_notes}</div>}
            <DoneNotice notice={notice} />
            {allowed.markRead && (
              <div className="row">
                <button type="button" onClick={() => markRead.mutate()} disabled={markRead.isPending}>
                  Mark as read
                </button>
                <ActionError error={markRead.error} />
              </div>
            )}
            {canAct && (allowed.approve || allowed.dismiss) && (
              <AlertActionForm
                notesLabel="Notes (why; kept on the alert and in the audit log)"
                notes={notes}
                onNotes={setNotes}
                onSubmit={onSubmit}
                pending={act.isPending}
                error={act.error}
                hint={
                  a.alert_type === "drift_detected" && (
                    <span className="muted">Approving a drift alert promotes the version its drift retrain produced.</span>
                  )
                }
                buttons={
                  <>
                    <button type="submit" className="primary" disabled={act.isPending}>
                      Approve
                    </button>
                    <button type="button" className="danger" disabled={act.isPending} onClick={() => act.mutate("dismiss")}>
                      Dismiss
                    </button>
                  </>
                }
              />
            )}
            {!canAct && (allowed.approve || allowed.dismiss) && (
              <span className="muted">An ML manager or admin approves or dismisses this alert.</span>
            )}
          </>
        );
      }}
    </AlertDetailCard>
  );
}

export function MlAlerts() {
  const { filters, selected, close, filterBy, table } = useAlertBrowser<MlAlertFilters>(DEFAULT_ML_ALERT_FILTERS);
  const alerts = useMlAlerts(filters);
  const filtered = filters.status !== "" || filters.severity !== "";

  return (
    <>
      <Stats />
      <AlertsLayout
        detailTitle="ML alert"
        hint="Open an alert to read it, mark it as read, or approve or dismiss it."
        detail={selected ? <MlAlertDetail key={selected} alertId={selected} onClose={close} /> : null}
        list={
          <Card title="ML alerts" id="ml-alerts-title">
            <div className="row" style={{ marginBottom: "0.75rem" }}>
              <FilterSelect<MlAlertStatus | "">
                label="Status"
                value={filters.status}
                options={STATUS_OPTIONS}
                anyLabel="Any status"
                onChange={(status) => filterBy({ status })}
              />
              <FilterSelect<Severity | "">
                label="Severity"
                value={filters.severity}
                options={SEVERITIES}
                anyLabel="Any severity"
                onChange={(severity) => filterBy({ severity })}
              />
            </div>
            <QueryState
              query={alerts}
              loading="Loading ML alerts…"
              isEmpty={(page) => page.total === 0}
              empty={filtered ? "No ML alert matches these filters." : "No ML alerts: the models raised nothing that needs a person."}
            >
              {(page) => (
                <AlertTable
                  label="ML alerts"
                  itemHeader="Alert"
                  rows={page.items.map((a) => ({
                    id: a.ml_alert_id,
                    severity: a.severity,
                    status: a.status,
                    statusLabel: mlAlertStatusWord(a.status),
                    createdAt: a.created_at,
                    title: a.title,
                    subtitle: alertTypeWord(a.alert_type),
                    dedupe: a.dedupe_key,
                  }))}
                  total={page.total}
                  {...table}
                />
              )}
            </QueryState>
          </Card>
        }
      />
    </>
  );
}
