/** The Alerts page: ML alerts (model health) and stock alerts (inventory), one tab each. */
import { useRef, type KeyboardEvent } from "react";
import { useSearchParams } from "react-router-dom";

import { MlAlerts } from "./alerts/MlAlerts";
import { StockAlerts } from "./alerts/StockAlerts";

const TABS = [
  { key: "stock", label: "Stock alerts" },
  { key: "ml", label: "ML alerts" },
] as const;

type TabKey = (typeof TABS)[number]["key"];

export function AlertsPage() {
  // The tab is in the URL (?tab=ml) so that a link can open it.
  const [params, setParams] = useSearchParams();
  const tab: TabKey = params.get("tab") === "ml" ? "ml" : "stock";
  const tabRefs = useRef<Record<TabKey, HTMLButtonElement | null>>({ stock: null, ml: null });

  const choose = (key: TabKey) => setParams(key === "stock" ? {} : { tab: key }, { replace: true });

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const index = TABS.findIndex((t) => t.key === tab);
    const next = TABS[(index + (event.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length]!.key;
    choose(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <>
      <h1>Alerts</h1>
      <div role="tablist" aria-label="Kinds of alerts" className="row" style={{ marginBottom: "1rem" }} onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t.key}
            ref={(element) => {
              tabRefs.current[t.key] = element;
            }}
            type="button"
            role="tab"
            id={`tab-${t.key}`}
            aria-selected={tab === t.key}
            aria-controls={`panel-${t.key}`}
            tabIndex={tab === t.key ? 0 : -1}
            className={tab === t.key ? "primary" : undefined}
            onClick={() => choose(t.key)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "ml" ? <MlAlerts /> : <StockAlerts />}
      </div>
    </>
  );
}
