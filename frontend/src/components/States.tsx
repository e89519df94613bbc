/** Loading, empty and error states: every data view shows one of these or its data. */
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";

import { asApiError } from "../api/errors";

export function Loading({ label = "Loading…", lines = 3 }: { label?: string; lines?: number }) {
  return (
    <div role="status" aria-live="polite" aria-busy="true">
      <span className="muted">{label}</span>
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton" style={{ width: `${90 - i * 15}%` }} />
      ))}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state">{children}</div>;
}

/** An error in plain words, with a retry button when retrying can help. */
export function ErrorPanel({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const failure = asApiError(error);
  return (
    <div className="state error" role="alert">
      <strong>{failure.title}</strong>
      <span>{failure.message}</span>
      {onRetry && failure.status !== 403 && (
        <div style={{ marginTop: "0.5rem" }}>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * A query's loading and error states, then `children(data)`; `isEmpty(data)` shows `empty`
 * instead (an empty tenant, no rows for the filter).
 */
export function QueryState<T>({
  query,
  children,
  isEmpty,
  empty,
  loading,
}: {
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loading?: string;
}) {
  if (query.isPending) return <Loading label={loading} />;
  if (query.isError) return <ErrorPanel error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <Empty>{empty ?? "Nothing here yet."}</Empty>;
  return <>{children(query.data)}</>;
}
