/** The form under an opened alert: a note and the buttons that act on the alert. */
import type { FormEvent, ReactNode } from "react";

import { ActionError, Saving } from "../../components/ActionFeedback";
import { NotesField } from "../../components/NotesField";

/** A note (labelled `notesLabel`), any `hint`, the action `buttons`, "Saving…" and the action's failure. */
export function AlertActionForm({
  notesLabel,
  notes,
  onNotes,
  onSubmit,
  pending,
  error,
  hint,
  buttons,
}: {
  notesLabel: string;
  notes: string;
  onNotes: (notes: string) => void;
  onSubmit: (event: FormEvent) => void;
  pending: boolean;
  error: unknown;
  hint?: ReactNode;
  buttons: ReactNode;
}) {
  return (
    <form className="form" onSubmit={onSubmit} aria-label="Act on this alert">
      <NotesField label={notesLabel} value={notes} onChange={onNotes} />
      {hint}
      <div className="row">
        {buttons}
        <Saving pending={pending} />
      </div>
      <ActionError error={error} />
    </form>
  );
}
