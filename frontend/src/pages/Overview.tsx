/**
 * The Overview: what a planner opens every morning. Every card reads its own endpoint and
 * shows its own loading, empty and error state, so one failing endpoint never blanks the page.
 */
import { useIsFetching, useQueryClient } from "@tanstack/react-query";

import { AccuracyCard } from "./overview/AccuracyCard";
import { AlertsCard } from "./overview/AlertsCard";
import { ChampionCard } from "./overview/ChampionCard";
import { EmptyTenantNotice } from "./overview/EmptyTenant";
import { FreshnessCard } from "./overview/FreshnessCard";
import { OrdersCard } from "./overview/OrdersCard";
import { OVERVIEW_KEY } from "./overview/queries";
import { RiskCard } from "./overview/RiskCard";

export function OverviewPage() {
  const queryClient = useQueryClient();
  const fetching = useIsFetching({ queryKey: OVERVIEW_KEY }) > 0;
  return (
    <>
      <div className="row" style={{ marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Overview</h1>
        <span className="spacer" />
        <button type="button" onClick={() => void queryClient.invalidateQueries({ queryKey: OVERVIEW_KEY })} disabled={fetching}>
          {fetching ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      <EmptyTenantNotice />
      <div style={{ display: "flex", flexDirection: "column", gap: "1rem" }}>
        <AccuracyCard />
        <div className="grid-2">
          <RiskCard />
          <div style={{ display: "flex", flexDirection: "column", gap: "1rem", minWidth: 0 }}>
            <OrdersCard />
            <AlertsCard />
          </div>
        </div>
        <div className="grid-2">
          <ChampionCard />
          <FreshnessCard />
        </div>
      </div>
    </>
  );
}
