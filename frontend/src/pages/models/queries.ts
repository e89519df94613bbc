/** The Models page's queries: keys (invalidated as one after any decision) and fetchers. */
import { api, call } from "../../api/client";

/** Every query of the model registry starts with this key; invalidate it after a decision. */
export const MODELS_KEY = ["models"] as const;

export const HISTORY_PAGE = 10;

export const modelQueries = {
  health: () => ({
    queryKey: [...MODELS_KEY, "health"],
    queryFn: () => call(api.GET("/api/v1/models/health")),
  }),
  history: (offset: number, limit = HISTORY_PAGE) => ({
    queryKey: [...MODELS_KEY, "history", limit, offset],
    queryFn: () => call(api.GET("/api/v1/models/history", { params: { query: { limit, offset } } })),
  }),
  backtest: (version: string) => ({
    queryKey: [...MODELS_KEY, "backtest", version],
    queryFn: () => call(api.GET("/api/v1/models/backtest/{version}", { params: { path: { version } } })),
  }),
  featureImportance: (version: string) => ({
    queryKey: [...MODELS_KEY, "feature-importance", version],
    queryFn: () => call(api.GET("/api/v1/models/{version}/feature-importance", { params: { path: { version } } })),
  }),
  card: (version: string) => ({
    queryKey: [...MODELS_KEY, "card", version],
    queryFn: () => call(api.GET("/api/v1/models/{version}/card", { params: { path: { version } } })),
  }),
};
