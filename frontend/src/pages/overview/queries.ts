/**
 * The Overview's reads, one query per card so that one failing endpoint leaves the other
 * cards working. Keys start with "overview" so the Refresh button can re-read them all.
 */
import { useQuery } from "@tanstack/react-query";

import { api, call } from "../../api/client";
import { SEVERITIES, type SeverityCounts } from "../../lib/overview";

export const OVERVIEW_KEY = ["overview"] as const;

/** A planner opens this page to see *now*: re-read whenever the page is opened. */
const fresh = { refetchOnMount: "always" } as const;

export function useAccuracyTrend(days: number) {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "accuracy-trend", days],
    queryFn: () => call(api.GET("/api/v1/forecasts/accuracy-trend", { params: { query: { days } } })),
    ...fresh,
  });
}

export function useForecastFreshness() {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "forecast-freshness"],
    queryFn: () => call(api.GET("/api/v1/forecasts/freshness")),
    ...fresh,
  });
}

export function useInventorySummary() {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "inventory-summary"],
    queryFn: () => call(api.GET("/api/v1/inventory/summary")),
    ...fresh,
  });
}

/** Out-of-stock and critical items, the fewest days of supply first (`limit` of each). */
export function useRiskItems(limit: number) {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "risk-items", limit],
    queryFn: async () => {
      const [out, critical] = await Promise.all(
        (["out_of_stock", "critical"] as const).map((status) =>
          call(api.GET("/api/v1/inventory", { params: { query: { status, sort: "days_of_supply", limit } } })),
        ),
      );
      return [...(out?.items ?? []), ...(critical?.items ?? [])];
    },
    ...fresh,
  });
}

/** The suggested orders (up to 500, enough to total them for any real worklist). */
export function useSuggestedOrders() {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "suggested-pos"],
    queryFn: () => call(api.GET("/api/v1/purchase-orders/suggested", { params: { query: { limit: 500 } } })),
    ...fresh,
  });
}

/** Open (or acknowledged, not yet resolved) stock alerts per severity: one count query each. */
export function useStockAlertCounts() {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "stock-alert-counts"],
    queryFn: async (): Promise<SeverityCounts> => {
      const pages = await Promise.all(
        SEVERITIES.map((severity) =>
          call(
            api.GET("/api/v1/alerts", {
              params: { query: { status: ["open", "acknowledged"], severity, limit: 1 } },
            }),
          ),
        ),
      );
      return Object.fromEntries(SEVERITIES.map((severity, i) => [severity, pages[i]?.total ?? 0]));
    },
    ...fresh,
  });
}

export function useMlAlertStats() {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "ml-alert-stats"],
    queryFn: () => call(api.GET("/api/v1/ml-alerts/stats")),
    ...fresh,
  });
}

export function useModelHealth() {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "model-health"],
    queryFn: () => call(api.GET("/api/v1/models/health")),
    ...fresh,
  });
}

export function useSyncHealth() {
  return useQuery({
    queryKey: [...OVERVIEW_KEY, "sync-health"],
    queryFn: () => call(api.GET("/api/v1/integrations/sync-health")),
    ...fresh,
  });
}
