/** Sign in with an API key. The key is checked with the API before it is kept. */
import { useState, type FormEvent } from "react";

import { asApiError, type ApiError } from "../api/errors";
import { useAuth } from "../auth/AuthContext";

export function SignIn({ reason }: { reason?: string }) {
  const { signIn } = useAuth();
  const [key, setKey] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!key.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await signIn(key);
    } catch (failure) {
      // The key stays in the field so a typo can be fixed rather than retyped.
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <div className="brand" style={{ margin: "0 0 1rem" }}>
        <img src="/favicon.svg" alt="" width={28} height={28} />
        <h1 style={{ margin: 0 }}>ShelfOps</h1>
      </div>
      {reason && !error && (
        <p className="state error" role="alert">
          {reason}
        </p>
      )}
      <form className="form" onSubmit={submit}>
        <label>
          API key
          <input
            name="api-key"
            type="password"
            autoComplete="off"
            autoFocus
            value={key}
            onChange={(event) => setKey(event.target.value)}
            placeholder="so_…"
            aria-describedby="key-help"
          />
        </label>
        <span id="key-help" className="muted">
          Kept in this tab only (session storage) and sent as a Bearer token. Ask an admin for a key, or use the one{" "}
          <code>make demo</code> printed.
        </span>
        {error && (
          <div className="state error" role="alert">
            <strong>{error.status === 401 ? "Key not accepted" : error.title}</strong>
            {error.status === 401
              ? "That API key is wrong, revoked or expired. Check it and try again."
              : error.message}
          </div>
        )}
        <button className="primary" type="submit" disabled={busy || !key.trim()}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
