/** The closing row of a form that submits one step: the submit button and Cancel. */

/**
 * A submit button (saying `pendingLabel` while `pending`, disabled then or when `disabled`)
 * in `tone` ("primary", or "danger" for destructive steps), and a Cancel button calling `onCancel`.
 */
export function SubmitOrCancel({
  label,
  pendingLabel = "Saving…",
  pending,
  disabled = false,
  tone = "primary",
  onCancel,
}: {
  label: string;
  pendingLabel?: string;
  pending: boolean;
  disabled?: boolean;
  tone?: "primary" | "danger";
  onCancel: () => void;
}) {
  return (
    <div className="row">
      <button type="submit" className={tone} disabled={disabled || pending}>
        {pending ? pendingLabel : label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
