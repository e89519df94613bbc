/** What an action (a form or a mutation) says back: its failure in plain words, input problems, "Saving…". */
import { ErrorPanel } from "./States";

/** The failure of an action, titled, next to its control (no retry: the user acts again); nothing while there is none. */
export function ActionError({ error }: { error: unknown }) {
  return error ? <ErrorPanel error={error} /> : null;
}

/** The problems found in what the user typed, as a list under "Check your input"; nothing while there are none. */
export function InputProblems({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="state error" role="alert">
      <strong>Check your input</strong>
      <ul style={{ margin: 0, paddingLeft: "1.1rem" }}>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}

/** "Saving…" beside the buttons while the action runs. */
export function Saving({ pending }: { pending: boolean }) {
  return pending ? <span className="muted">Saving…</span> : null;
}

/** A polite status line saying what the last action did; nothing before the first one. */
export function DoneNotice({ notice }: { notice: string | null }) {
  if (!notice) return null;
  return (
    <div className="notice" role="status">
      {notice}
    </div>
  );
}
