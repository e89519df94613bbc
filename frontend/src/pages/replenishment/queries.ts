/** Queries of the Replenishment page: keys (so actions can invalidate them) and fetchers. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api, call } from "../../api/client";
import { inventoryQuery, PO_VIEWS, type InventoryFilters, type POViewKey } from "../../lib/replenishment";

/** Everything an order decision or receipt can change: orders, their history, inventory. */
export const ORDER_KEYS = [["purchase-orders"], ["inventory"], ["inventory-summary"]] as const;

export function useInventorySummary() {
  return useQuery({
    queryKey: ["inventory-summary"],
    queryFn: () => call(api.GET("/api/v1/inventory/summary")),
  });
}

export function useInventory(filters: InventoryFilters) {
  const query = inventoryQuery(filters);
  return useQuery({
    queryKey: ["inventory", query],
    queryFn: () => call(api.GET("/api/v1/inventory", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

/** The orders of one view: the suggested worklist comes with lines, the others without. */
export function useOrders(view: POViewKey, offset: number, limit: number) {
  return useQuery({
    queryKey: ["purchase-orders", "list", view, offset, limit],
    queryFn: () => {
      if (view === "suggested") {
        return call(api.GET("/api/v1/purchase-orders/suggested", { params: { query: { limit, offset } } }));
      }
      const statuses = [...(PO_VIEWS.find((v) => v.key === view)?.statuses ?? [])];
      return call(api.GET("/api/v1/purchase-orders", { params: { query: { limit, offset, status: statuses } } }));
    },
    placeholderData: keepPreviousData,
  });
}

export function useOrder(poId: string) {
  return useQuery({
    queryKey: ["purchase-orders", "detail", poId],
    queryFn: () => call(api.GET("/api/v1/purchase-orders/{po_id}", { params: { path: { po_id: poId } } })),
  });
}

export function useDecisions(poId: string) {
  return useQuery({
    queryKey: ["purchase-orders", "decisions", poId],
    queryFn: () => call(api.GET("/api/v1/purchase-orders/{po_id}/decisions", { params: { path: { po_id: poId } } })),
  });
}
