import type { ReactNode } from "react";

/** A titled panel. */
export function Card({ title, actions, children, id }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="card" aria-labelledby={id}>
      {(title || actions) && (
        <div className="row" style={{ marginBottom: "0.75rem" }}>
          {title && <h2 id={id} style={{ margin: 0 }}>{title}</h2>}
          <span className="spacer" />
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

/** A big number with its label. */
export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div>
      <div className="stat">{value}</div>
      <div className="stat-label">{label}</div>
      {hint && <div className="muted" style={{ fontSize: "0.8rem" }}>{hint}</div>}
    </div>
  );
}
