/** The numbers behind an alert, as a definition list. */
import { alertFacts } from "../../lib/alerts";

export function Facts({ metadata }: { metadata: Record<string, unknown> | null | undefined }) {
  const facts = alertFacts(metadata);
  if (facts.length === 0) return null;
  return (
    <dl style={{ display: "grid", gridTemplateColumns: "max-content 1fr", gap: "0.25rem 1rem", margin: 0 }}>
      {facts.map(([label, value]) => (
        <div key={label} style={{ display: "contents" }}>
          <dt className="muted">{label}</dt>
          <dd style={{ margin: 0, fontVariantNumeric: "tabular-nums" }}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
