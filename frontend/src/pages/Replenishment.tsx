/** The Replenishment page: inventory status, then purchase orders to decide on and receive. */
import { useCan } from "../auth/AuthContext";
import { InventoryTable } from "./replenishment/InventoryTable";
import { OrdersPanel } from "./replenishment/OrdersPanel";

export function ReplenishmentPage() {
  const canPlan = useCan("planner");
  return (
    <>
      <h1>Replenishment</h1>
      <p className="muted" style={{ marginTop: "-0.5rem" }}>
        What runs low, and what to order.{" "}
        {canPlan ? "Approve, change or reject suggested orders, and receive them when they arrive." : "Your role can read orders; a planner decides on them."}
      </p>
      <InventoryTable />
      <OrdersPanel />
    </>
  );
}
