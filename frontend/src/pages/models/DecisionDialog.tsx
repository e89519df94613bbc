/**
 * A person's registry decision — promote, shadow, archive or roll back — with the reason
 * the API requires. A native modal dialog: it focuses the reason and closes on Escape; a
 * refused decision is shown in plain words inside it and the typed reason is kept.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { api, call, type Schema } from "../../api/client";
import { ErrorPanel } from "../../components/States";
import { SubmitOrCancel } from "../../components/SubmitOrCancel";
import { ACTION_LABELS, type VersionAction } from "../../lib/models";
import { MODELS_KEY } from "./queries";

export type DecisionAction = VersionAction | "rollback";

export interface DecisionRequest {
  action: DecisionAction;
  /** The version decided about (for rollback: the current champion). */
  version: string;
  /** The current champion, to say what a promotion replaces. */
  champion?: string | null;
}

type VersionRead = Schema<"VersionRead">;

async function decide(action: DecisionAction, version: string, reason: string): Promise<VersionRead> {
  const body = { reason };
  const path = { version };
  switch (action) {
    case "promote":
      return call(api.POST("/api/v1/models/{version}/promote", { params: { path }, body }));
    case "shadow":
      return call(api.POST("/api/v1/models/{version}/shadow", { params: { path }, body }));
    case "archive":
      return call(api.POST("/api/v1/models/{version}/archive", { params: { path }, body }));
    case "rollback":
      return call(api.POST("/api/v1/models/rollback", { body }));
  }
}

function consequence({ action, version, champion }: DecisionRequest): string {
  switch (action) {
    case "promote":
      return champion
        ? `${version} becomes the champion that serves forecasts; ${champion} is archived. Your reason is recorded with the promotion gate's own verdict.`
        : `${version} becomes the champion that serves forecasts. Your reason is recorded with the promotion gate's own verdict.`;
    case "shadow":
      return `${version} forecasts beside the champion without serving, so its accuracy can be compared.`;
    case "archive":
      return `${version} is archived for good: kept for the record, never served or promoted again.`;
    case "rollback":
      return `The champion ${version} is archived and the champion it replaced serves again.`;
  }
}

/** What the page says after the decision went through. */
function doneMessage(action: DecisionAction, result: VersionRead): string {
  switch (action) {
    case "promote":
      return `${result.version} is now the champion.`;
    case "shadow":
      return `${result.version} is now in shadow.`;
    case "archive":
      return `${result.version} is archived.`;
    case "rollback":
      return `Rolled back: ${result.version} is the champion again.`;
  }
}

export function DecisionDialog({
  request,
  onClose,
  onDone,
}: {
  request: DecisionRequest;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: () => decide(request.action, request.version, reason.trim()),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: MODELS_KEY });
      onDone(doneMessage(request.action, result));
      dialog.current?.close();
    },
  });

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim() === "" || mutation.isPending) return;
    mutation.mutate();
  };

  const title = request.action === "rollback" ? `Roll back champion ${request.version}` : `${ACTION_LABELS[request.action]}: ${request.version}`;
  return (
    <dialog ref={dialog} aria-labelledby={titleId} onClose={onClose} data-testid="decision-dialog">
      <form className="form" onSubmit={submit}>
        <h2 id={titleId} style={{ margin: 0 }}>
          {title}
        </h2>
        <p className="muted" style={{ margin: 0 }}>
          {consequence(request)}
        </p>
        <label htmlFor={reasonId}>
          Reason (required, kept in the decision log)
          <textarea
            id={reasonId}
            autoFocus
            required
            rows={3}
            maxLength={2000}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
          />
        </label>
        {mutation.isError && <ErrorPanel error={mutation.error} />}
        <SubmitOrCancel
          label={request.action === "rollback" ? "Roll back" : ACTION_LABELS[request.action]}
          pending={mutation.isPending}
          disabled={reason.trim() === ""}
          tone={request.action === "archive" || request.action === "rollback" ? "danger" : "primary"}
          onCancel={() => dialog.current?.close()}
        />
      </form>
    </dialog>
  );
}
