/** The frame of an opened alert (stock or ML): a closable card, its loading/error states and its heading badges. */
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";

import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { QueryState } from "../../components/States";
import { alertTypeWord } from "../../lib/alerts";

/** A card titled `title` with a Close button, showing the loaded alert through `children` in one column. */
export function AlertDetailCard<T>({
  title,
  id,
  testId,
  query,
  onClose,
  children,
}: {
  title: string;
  id: string;
  testId: string;
  query: UseQueryResult<T>;
  onClose: () => void;
  children: (alert: T) => ReactNode;
}) {
  return (
    <Card
      title={title}
      id={id}
      actions={
        <button type="button" onClick={onClose}>
          Close
        </button>
      }
    >
      <QueryState query={query} loading="Loading the alert…">
        {(alert) => (
          <div style={{ display: "flex", flexDirection: "column", gap: "0.75rem" }} data-testid={testId}>
            {children(alert)}
          </div>
        )}
      </QueryState>
    </Card>
  );
}

/** The severity, status and type of an alert, on one line; the status carries `statusTestId`. */
export function AlertBadges({
  severity,
  status,
  statusLabel,
  alertType,
  statusTestId,
}: {
  severity: string;
  status: string;
  statusLabel: string;
  alertType: string;
  statusTestId: string;
}) {
  return (
    <div className="row">
      <Badge status={severity} />
      <span data-testid={statusTestId}>
        <Badge status={status} label={statusLabel} />
      </span>
      <span className="muted">{alertTypeWord(alertType)}</span>
    </div>
  );
}
