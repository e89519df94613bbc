/** The free-text note an action keeps (audit log, alert, receipt): one labelled, bounded textarea. */
import type { ReactNode } from "react";

/** A labelled two-row textarea of at most 2,000 characters, controlled by `value` / `onChange`. */
export function NotesField({ label, value, onChange }: { label: ReactNode; value: string; onChange: (value: string) => void }) {
  return (
    <label>
      {label}
      <textarea rows={2} maxLength={2000} value={value} onChange={(event) => onChange(event.target.value)} />
    </label>
  );
}
