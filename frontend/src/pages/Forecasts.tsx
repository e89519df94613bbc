/**
 * Forecasts: pick a store and a product, see its sales history, the latest forecast with
 * its quantile band, the actuals that arrived, and the SHAP explanation of a chosen day.
 * The choice lives in the URL (`?store=&product=&day=`) so a view can be bookmarked.
 */
import { startTransition, useId, useOptimistic } from "react";
import { Link, useSearchParams } from "react-router-dom";

import { Card } from "../components/Card";
import { Empty, ErrorPanel, Loading, QueryState } from "../components/States";
import { forecastDays, readSelection, writeSelection, type Selection } from "../lib/forecasts";
import { ActualsTable } from "./forecasts/ActualsTable";
import { ExplanationPanel } from "./forecasts/ExplanationPanel";
import { ProductPicker, StorePicker } from "./forecasts/Pickers";
import { HISTORY_DAYS, useProducts, useSeries, useStores, type Series } from "./forecasts/queries";
import { SeriesChart } from "./forecasts/SeriesChart";

export function ForecastsPage() {
  const [params, setParams] = useSearchParams();
  // The router applies URL changes in a transition; until it commits, the pickers show the
  // new choice (not the old one bouncing back).
  const [selection, showSelection] = useOptimistic(readSelection(params), (_shown, next: URLSearchParams) =>
    readSelection(next),
  );
  const stores = useStores();
  // The unfiltered first page tells whether the tenant has any product at all.
  const anyProducts = useProducts("");

  const choose = (next: Partial<Selection>, replace = false) => {
    const nextParams = writeSelection(params, next);
    startTransition(() => {
      showSelection(nextParams);
      setParams(nextParams, { replace });
    });
  };

  let body;
  if (stores.isPending || anyProducts.isPending) body = <Loading label="Loading stores and products…" />;
  else if (stores.isError) body = <ErrorPanel error={stores.error} onRetry={() => void stores.refetch()} />;
  else if (anyProducts.isError) body = <ErrorPanel error={anyProducts.error} onRetry={() => void anyProducts.refetch()} />;
  else if (stores.data.total === 0 || anyProducts.data.total === 0) {
    const missing = stores.data.total === 0 && anyProducts.data.total === 0 ? "stores or products" : stores.data.total === 0 ? "stores" : "products";
    body = (
      <Empty>
        <strong>No {missing} yet.</strong> Forecasts are made per store and product: import your stores, products and
        sales on the <Link to="/data">Data</Link> page, then the next forecast run fills this page.
      </Empty>
    );
  } else {
    body = (
      <>
        <Card>
          <div className="row" style={{ alignItems: "flex-end", gap: "1rem" }}>
            <StorePicker stores={stores.data.items} value={selection.store} onChange={(store) => choose({ store })} />
            <ProductPicker value={selection.product} onChange={(product) => choose({ product })} />
          </div>
        </Card>
        {selection.store !== null && selection.product !== null ? (
          <SeriesView
            storeId={selection.store}
            productId={selection.product}
            day={selection.day}
            onPickDay={(day) => choose({ day }, true)}
          />
        ) : (
          <div className="section">
            <Empty>Pick a store and a product to see their sales, forecast and what drove it.</Empty>
          </div>
        )}
      </>
    );
  }

  return (
    <>
      <h1>Forecasts</h1>
      {body}
    </>
  );
}

function SeriesView({
  storeId,
  productId,
  day,
  onPickDay,
}: {
  storeId: number;
  productId: number;
  day: string | null;
  onPickDay: (day: string | null) => void;
}) {
  const series = useSeries(storeId, productId);
  return (
    <div className="section">
      <QueryState
        query={series}
        loading="Loading the series…"
        isEmpty={(data) => data.history.length === 0 && data.forecast.length === 0}
        empty={`No sales in the last ${HISTORY_DAYS} days and no forecast for this store and product.`}
      >
        {(data) => <SeriesBody series={data} storeId={storeId} productId={productId} day={day} onPickDay={onPickDay} />}
      </QueryState>
    </div>
  );
}

function SeriesBody({
  series,
  storeId,
  productId,
  day,
  onPickDay,
}: {
  series: Series;
  storeId: number;
  productId: number;
  day: string | null;
  onPickDay: (day: string | null) => void;
}) {
  const days = forecastDays(series);
  const explainTitleId = useId();
  const chosen = day !== null && days.includes(day) ? day : null;
  const title = `${series.store_name} · ${series.product_name}${series.sku ? ` (${series.sku})` : ""}`;

  return (
    <>
      <Card
        title={title}
        actions={
          series.issue_date ? (
            <span className="muted">
              Forecast issued {series.issue_date} by {series.model_name} {series.model_version ?? ""}
            </span>
          ) : undefined
        }
      >
        {days.length === 0 && (
          <div className="state" style={{ marginBottom: "0.75rem" }}>
            <strong>No forecast yet for this store and product.</strong> The chart shows its sales history; the forecast
            and its band appear after the next forecast run includes this series.
          </div>
        )}
        <SeriesChart series={series} selectedDay={chosen} onPickDay={onPickDay} />
      </Card>

      <div className="grid-2 section">
        <Card title="Why this forecast" id={`${explainTitleId}-title`}>
          {days.length === 0 ? (
            <div className="state">There is no forecast day to explain yet.</div>
          ) : (
            <>
              <label style={{ marginBottom: "0.75rem", maxWidth: "16rem" }}>
                Forecast day to explain
                <select value={chosen ?? ""} onChange={(event) => onPickDay(event.target.value || null)}>
                  <option value="">Choose a day…</option>
                  {days.map((d) => (
                    <option key={d} value={d}>
                      {d}
                    </option>
                  ))}
                </select>
              </label>
              <ExplanationPanel storeId={storeId} productId={productId} day={chosen} />
            </>
          )}
        </Card>
        <Card title="Recent actuals vs forecast">
          <ActualsTable actuals={series.actuals} />
        </Card>
      </div>
    </>
  );
}
