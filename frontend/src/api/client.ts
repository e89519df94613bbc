/** The typed API client, generated from the API's OpenAPI document (`openapi.json`). */
import createClient, { type Middleware } from "openapi-fetch";

import { ApiError, type ErrorBody } from "./errors";
import type { components, paths } from "./schema";

/** Schemas of the API by name, e.g. `Schema<"VersionRead">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

const KEY_STORAGE = "shelfops.apiKey";

/** The API key of this browser tab: session storage (gone when the tab closes), never the URL. */
export const keyStore = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  clear: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

const authenticate: Middleware = {
  onRequest({ request }) {
    const key = keyStore.get();
    if (key && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${key}`);
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(authenticate);

type Outcome<T> = { data?: T; error?: unknown; response: Response };

/**
 * The data of a call, or an {@link ApiError} in plain words: a network failure becomes
 * status 0, an error answer keeps its status and the API's detail.
 */
export async function call<T>(request: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await request;
  } catch {
    throw new ApiError(0, undefined);
  }
  if (!outcome.response.ok) {
    throw new ApiError(outcome.response.status, outcome.error as ErrorBody | undefined);
  }
  return outcome.data as T;
}
