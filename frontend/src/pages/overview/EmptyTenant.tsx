/** The first thing an empty tenant sees: how to get data in. */
import { Link } from "react-router-dom";

import { isEmptyTenant } from "../../lib/overview";
import { useForecastFreshness, useSyncHealth } from "./queries";

export function EmptyTenantNotice() {
  const sync = useSyncHealth();
  const freshness = useForecastFreshness();
  const empty = isEmptyTenant({ syncStatus: sync.data?.status, latestSalesDate: freshness.data?.latest_sales_date });
  if (!empty) return null;
  return (
    <div className="state" role="note" data-testid="empty-tenant" style={{ marginBottom: "1rem", borderStyle: "solid", background: "var(--primary-soft)", color: "var(--text)" }}>
      <strong>No data yet.</strong> Load data with <code>shelfops ingest DIR</code> (the canonical CSV files: suppliers, stores,
      products, sales, inventory) or onboard a source with <code>shelfops onboard --profile … --source …</code>. Once sales
      are in, the nightly jobs train a model, forecast and plan orders, and this page fills in. Follow each run on the{" "}
      <Link to="/data">Data page</Link>.
    </div>
  );
}
