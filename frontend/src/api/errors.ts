/** API failures in plain words: every error the dashboard shows comes through here. */

/** One problem of a 422 answer, as the API reports it. */
export interface FieldProblem {
  location: (string | number)[];
  message: string;
}

/** The API's error body: `{"error": "<Name>", "detail": ...}`. */
export interface ErrorBody {
  error?: string;
  detail?: unknown;
}

/** A failed API call. `status` 0 means the server could not be reached at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;
  readonly title: string;

  constructor(status: number, body: ErrorBody | undefined) {
    const { title, message } = describe(status, body);
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.detail = body?.detail;
    this.title = title;
  }
}

/** `detail` as one readable sentence: strings as they are, 422 problems as "field: why". */
export function detailText(detail: unknown): string {
  if (detail === undefined || detail === null) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((p) => {
        const problem = p as Partial<FieldProblem>;
        const where = (problem.location ?? []).filter((part) => part !== "body" && part !== "query");
        const field = where.length > 0 ? `${where.join(".")}: ` : "";
        return `${field}${problem.message ?? JSON.stringify(p)}`;
      })
      .join("; ");
  }
  return JSON.stringify(detail);
}

/** The title and sentence a person reads for an HTTP status and the API's error body. */
export function describe(status: number, body: ErrorBody | undefined): { title: string; message: string } {
  const detail = detailText(body?.detail);
  // The API's details are lower-case clauses; as a sentence of their own they start upper-case.
  const because = detail ? ` ${detail.charAt(0).toUpperCase()}${detail.slice(1)}` : "";
  switch (true) {
    case status === 0:
      return {
        title: "Cannot reach ShelfOps",
        message: "The server did not answer. Check your network or whether the server is running, then try again.",
      };
    case status === 401:
      return {
        title: "Signed out",
        message: "Your API key was not accepted: it may be wrong, revoked or expired. Sign in again.",
      };
    case status === 403:
      return { title: "Not allowed", message: `Your role does not allow this.${because}` };
    case status === 404:
      return { title: "Not found", message: `This no longer exists or was never there.${because}` };
    case status === 409:
      return { title: "Not possible right now", message: `This conflicts with the item's current state.${because}` };
    case status === 413:
      return { title: "Too large", message: `The file is larger than the server accepts.${because}` };
    case status === 422:
      return { title: "Check your input", message: `Some input was not accepted.${because}` };
    case status === 429:
      return { title: "Too many requests", message: "Wait a moment and try again." };
    case status === 503:
      return { title: "Temporarily unavailable", message: `The server cannot do this right now; try again shortly.${because}` };
    case status >= 500:
      return { title: "Server error", message: "Something went wrong on the server. Try again; if it keeps happening, tell your administrator." };
    default:
      return { title: `Error ${status}`, message: detail || "The request failed." };
  }
}

/** Any thrown value as an ApiError (network failures become status 0). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, undefined);
}
