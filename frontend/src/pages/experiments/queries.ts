/** The Experiments page's queries: keys (invalidated as one after any step) and fetchers. */
import { api, call } from "../../api/client";
import type { ExperimentStatus } from "../../lib/experiments";

/** Every experiment query starts with this key; invalidate it after a workflow step. */
export const EXPERIMENTS_KEY = ["experiments"] as const;

export const LIST_PAGE = 20;

/** The list's status filter: everything, the seed's "active" statuses, or one status. */
export type StatusFilter = "all" | "active" | ExperimentStatus;

export const ACTIVE_STATUSES: ExperimentStatus[] = ["proposed", "approved", "in_progress", "shadow_testing"];

function statusesOf(filter: StatusFilter): ExperimentStatus[] | undefined {
  if (filter === "all") return undefined;
  if (filter === "active") return ACTIVE_STATUSES;
  return [filter];
}

export const experimentQueries = {
  list: (filter: StatusFilter, offset: number) => ({
    queryKey: [...EXPERIMENTS_KEY, "list", filter, offset],
    queryFn: () =>
      call(
        api.GET("/api/v1/experiments", {
          params: { query: { limit: LIST_PAGE, offset, status: statusesOf(filter) } },
        }),
      ),
  }),
  one: (id: string) => ({
    queryKey: [...EXPERIMENTS_KEY, "one", id],
    queryFn: () => call(api.GET("/api/v1/experiments/{experiment_id}", { params: { path: { experiment_id: id } } })),
  }),
  results: (id: string) => ({
    queryKey: [...EXPERIMENTS_KEY, "results", id],
    queryFn: () =>
      call(api.GET("/api/v1/experiments/{experiment_id}/results", { params: { path: { experiment_id: id } } })),
  }),
};
