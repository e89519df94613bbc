/** Who is signed in: the API key's tenant and role, checked against `GET /api/v1/me`. */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api, call, keyStore, type Schema } from "../api/client";
import { ApiError, asApiError } from "../api/errors";
import { atLeast, type Role } from "./roles";

export type Caller = Schema<"Caller">;

export type AuthState =
  | { status: "checking" }
  | { status: "signedOut"; reason?: string }
  | { status: "unreachable"; error: ApiError }
  | { status: "signedIn"; caller: Caller };

interface AuthApi {
  state: AuthState;
  /** Check `key` with the API and keep it for this tab; throws an ApiError when refused. */
  signIn: (key: string) => Promise<void>;
  signOut: (reason?: string) => void;
  /** Re-check the kept key (after the server was unreachable). */
  retry: () => void;
}

const AuthContext = createContext<AuthApi | null>(null);

export const SESSION_EXPIRED = "Your session has ended: the API key is no longer accepted (revoked or expired). Sign in again.";

/** Listeners told when any call answers 401 (the key stopped working mid-session). */
const expiredListeners = new Set<() => void>();

/** Report a 401 seen anywhere (query or action): the session ends with a clear message. */
export function reportUnauthorized(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) expiredListeners.forEach((listener) => listener());
}

async function fetchCaller(key: string): Promise<Caller> {
  return call(api.GET("/api/v1/me", { headers: { Authorization: `Bearer ${key}` } }));
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<AuthState>(() =>
    keyStore.get() ? { status: "checking" } : { status: "signedOut" },
  );
  const [attempt, setAttempt] = useState(0);

  const signOut = useCallback(
    (reason?: string) => {
      keyStore.clear();
      queryClient.clear();
      setState({ status: "signedOut", reason });
    },
    [queryClient],
  );

  useEffect(() => {
    const key = keyStore.get();
    if (!key) return;
    let live = true;
    fetchCaller(key).then(
      (caller) => live && setState({ status: "signedIn", caller }),
      (error: unknown) => {
        if (!live) return;
        const failure = asApiError(error);
        if (failure.status === 401) signOut(SESSION_EXPIRED);
        else setState({ status: "unreachable", error: failure });
      },
    );
    return () => {
      live = false;
    };
  }, [attempt, signOut]);

  useEffect(() => {
    const expired = () => signOut(SESSION_EXPIRED);
    expiredListeners.add(expired);
    return () => {
      expiredListeners.delete(expired);
    };
  }, [signOut]);

  const value = useMemo<AuthApi>(
    () => ({
      state,
      signOut,
      retry: () => {
        setState({ status: "checking" });
        setAttempt((n) => n + 1);
      },
      signIn: async (key: string) => {
        const caller = await fetchCaller(key.trim());
        keyStore.set(key.trim());
        queryClient.clear();
        setState({ status: "signedIn", caller });
      },
    }),
    [state, signOut, queryClient],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthApi {
  const auth = useContext(AuthContext);
  if (auth === null) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** The signed-in caller (pages render only when signed in). */
export function useCaller(): Caller {
  const { state } = useAuth();
  if (state.status !== "signedIn") throw new Error("useCaller while not signed in");
  return state.caller;
}

/** Whether the signed-in key's role includes `required`: decides which actions show. */
export function useCan(required: Role): boolean {
  const { state } = useAuth();
  return state.status === "signedIn" && atLeast(state.caller.role as Role, required);
}
