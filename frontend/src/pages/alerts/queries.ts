/** Queries of the Alerts page: keys (so actions can invalidate them) and fetchers. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api, call } from "../../api/client";
import { mlAlertQuery, stockAlertQuery, type MlAlertFilters, type StockAlertFilters } from "../../lib/alerts";

export function useMlAlertStats() {
  return useQuery({ queryKey: ["ml-alerts", "stats"], queryFn: () => call(api.GET("/api/v1/ml-alerts/stats")) });
}

export function useMlAlerts(filters: MlAlertFilters) {
  const query = mlAlertQuery(filters);
  return useQuery({
    queryKey: ["ml-alerts", "list", query],
    queryFn: () => call(api.GET("/api/v1/ml-alerts", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

export function useMlAlert(alertId: string) {
  return useQuery({
    queryKey: ["ml-alerts", "detail", alertId],
    queryFn: () => call(api.GET("/api/v1/ml-alerts/{alert_id}", { params: { path: { alert_id: alertId } } })),
  });
}

export function useStockAlerts(filters: StockAlertFilters) {
  const query = stockAlertQuery(filters);
  return useQuery({
    queryKey: ["alerts", "list", query],
    queryFn: () => call(api.GET("/api/v1/alerts", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

export function useStockAlert(alertId: string) {
  return useQuery({
    queryKey: ["alerts", "detail", alertId],
    queryFn: () => call(api.GET("/api/v1/alerts/{alert_id}", { params: { path: { alert_id: alertId } } })),
  });
}
