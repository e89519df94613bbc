/**
 * The Data page: integration sync health (each source against its SLA) and the run log,
 * where every run expands to the validation report its metadata holds.
 */
import { RunLogCard } from "./data/RunLog";
import { SyncHealthCard } from "./data/SyncHealth";

export function DataPage() {
  return (
    <>
      <h1>Data</h1>
      <div style={{ display: "flex", flexDirection: "column", gap: "1rem" }}>
        <SyncHealthCard />
        <RunLogCard />
      </div>
    </>
  );
}
