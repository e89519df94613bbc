/** The Forecasts page's reads: stores, products (searchable), one series, one explanation. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api, call, type Schema } from "../../api/client";
import { asApiError } from "../../api/errors";

export type Store = Schema<"StoreRead">;
export type Product = Schema<"ProductRead">;
export type Series = Schema<"ForecastSeries">;
export type Explanation = Schema<"ForecastExplanationRead">;

/** Days of sales history shown before the forecast. */
export const HISTORY_DAYS = 90;
/** Products offered per search (the search narrows the rest). */
export const PRODUCT_PAGE = 50;
const STORE_PAGE = 500;

export function useStores() {
  return useQuery({
    queryKey: ["stores", { limit: STORE_PAGE }],
    queryFn: () => call(api.GET("/api/v1/stores", { params: { query: { limit: STORE_PAGE } } })),
  });
}

/** Products whose code or name contains `search` (all products when empty), by code. */
export function useProducts(search: string) {
  const q = search.trim();
  return useQuery({
    queryKey: ["products", { q, limit: PRODUCT_PAGE }],
    queryFn: () =>
      call(api.GET("/api/v1/products", { params: { query: { limit: PRODUCT_PAGE, ...(q ? { q } : {}) } } })),
    // Keep the previous results on screen while the next search loads (no flicker per keystroke).
    placeholderData: keepPreviousData,
  });
}

/** One product by id: the chosen product stays in the picker when a search hides it. */
export function useProduct(productId: number | null) {
  return useQuery({
    queryKey: ["products", productId],
    queryFn: () => call(api.GET("/api/v1/products/{product_id}", { params: { path: { product_id: productId! } } })),
    enabled: productId !== null,
  });
}

export function useSeries(storeId: number, productId: number) {
  return useQuery({
    queryKey: ["forecasts", "series", { storeId, productId, historyDays: HISTORY_DAYS }],
    queryFn: () =>
      call(
        api.GET("/api/v1/forecasts/series", {
          params: { query: { store_id: storeId, product_id: productId, history_days: HISTORY_DAYS } },
        }),
      ),
  });
}

/** 404/409/503 of an explanation are answers (no forecast, not a tree model, no ML), not glitches. */
function retryExplanation(failures: number, error: unknown): boolean {
  const status = asApiError(error).status;
  return failures < 2 && (status === 0 || (status >= 500 && status !== 503));
}

export function useExplanation(storeId: number, productId: number, day: string | null) {
  return useQuery({
    queryKey: ["forecasts", "explanation", { storeId, productId, day }],
    queryFn: () =>
      call(
        api.GET("/api/v1/forecasts/explanation", {
          params: { query: { store_id: storeId, product_id: productId, date: day! } },
        }),
      ),
    enabled: day !== null,
    retry: retryExplanation,
    // SHAP values of a stored forecast do not change: computing them again is wasted work.
    staleTime: 10 * 60_000,
  });
}
