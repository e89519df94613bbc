/** One version's evidence: backtest chart, feature importance and model card. */
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { Card } from "../../components/Card";
import { Empty, QueryState } from "../../components/States";
import { formatInt, formatNumber, formatWhen } from "../../lib/format";
import { BACKTEST_METRICS, backtestChart, formatMetric, topFeatures, type BacktestMetric } from "../../lib/models";
import { ModelCardView } from "./ModelCardView";
import { modelQueries } from "./queries";

const PRIMARY = "#2563EB";
const GRID = "#F3F4F6";
const KIND_COLORS: Record<string, string> = { weekly: PRIMARY, daily: "#F59E0B" };
const KIND_NAMES: Record<string, string> = { weekly: "Weekly 90-day backtest", daily: "Daily T-1 check" };

function BacktestPanel({ version }: { version: string }) {
  const [metric, setMetric] = useState<BacktestMetric>("mae");
  const metricId = useId();
  const query = useQuery(modelQueries.backtest(version));
  const label = BACKTEST_METRICS.find((m) => m.key === metric)?.label ?? metric;
  return (
    <Card
      title={`Backtest — ${version}`}
      id="backtest-title"
      actions={
        <label htmlFor={metricId} style={{ flexDirection: "row", alignItems: "center", gap: "0.4rem" }}>
          Metric
          <select id={metricId} value={metric} onChange={(event) => setMetric(event.target.value as BacktestMetric)}>
            {BACKTEST_METRICS.map((m) => (
              <option key={m.key} value={m.key}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <QueryState
        query={query}
        loading="Loading backtest…"
        isEmpty={(series) => series.points.length === 0}
        empty={`No backtest results for ${version} in the last 90 days: the daily and weekly backtests score the champion only.`}
      >
        {(series) => {
          const chart = backtestChart(series.points, metric);
          const first = chart.rows[0]?.date;
          const last = chart.rows[chart.rows.length - 1]?.date;
          return (
            <figure style={{ margin: 0 }} data-testid="backtest-chart" aria-label={`${label} of ${version} by forecast date`}>
              <ResponsiveContainer width="100%" height={280}>
                <LineChart data={chart.rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
                  <CartesianGrid stroke={GRID} />
                  <XAxis dataKey="date" tick={{ fontSize: 12 }} minTickGap={24} />
                  <YAxis tick={{ fontSize: 12 }} width={56} tickFormatter={(value: number) => formatMetric(metric, value)} />
                  <Tooltip formatter={(value) => formatMetric(metric, typeof value === "number" ? value : null)} />
                  <Legend />
                  {chart.kinds.map((kind) => (
                    <Line
                      key={kind}
                      type="monotone"
                      dataKey={kind}
                      name={KIND_NAMES[kind] ?? kind}
                      stroke={KIND_COLORS[kind] ?? "#6B7280"}
                      strokeWidth={2}
                      dot={kind !== "weekly"}
                      connectNulls={false}
                      isAnimationActive={false}
                    />
                  ))}
                </LineChart>
              </ResponsiveContainer>
              <figcaption className="muted">
                {label} per forecast date, {formatWhen(first)} to {formatWhen(last)} ({formatInt(series.points.length)} results).
              </figcaption>
            </figure>
          );
        }}
      </QueryState>
    </Card>
  );
}

function FeatureImportancePanel({ version }: { version: string }) {
  const query = useQuery(modelQueries.featureImportance(version));
  return (
    <Card title={`Feature importance — ${version}`} id="fi-title">
      <QueryState query={query} loading="Loading feature importance…">
        {(data) => {
          if (!data.available) {
            return (
              <Empty>
                <span data-testid="fi-unavailable">
                  Feature importance is not available for {version}: {data.reason ?? "no reason given"}.
                </span>
              </Empty>
            );
          }
          const top = topFeatures(data.features, 20);
          if (top.length === 0) return <Empty>No features were recorded for {version}.</Empty>;
          const measure = data.measure === "mean_abs_shap" ? "mean |SHAP|" : (data.measure ?? "importance");
          return (
            <figure style={{ margin: 0 }} data-testid="fi-chart" aria-label={`Top ${top.length} features of ${version}`}>
              <ResponsiveContainer width="100%" height={Math.max(120, top.length * 24 + 40)}>
                <BarChart data={top} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
                  <CartesianGrid stroke={GRID} horizontal={false} />
                  <XAxis type="number" tick={{ fontSize: 12 }} tickFormatter={(value: number) => formatNumber(value, 3)} />
                  <YAxis type="category" dataKey="feature" width={160} tick={{ fontSize: 12 }} interval={0} />
                  <Tooltip formatter={(value) => (typeof value === "number" ? formatNumber(value, 4) : String(value))} />
                  <Bar dataKey="importance" name={measure} fill={PRIMARY} isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
              <figcaption className="muted">
                Top {top.length} of {data.features.length} features by {measure}
                {data.model ? ` of ${data.model}` : ""}
                {data.sample_rows ? ` over ${formatInt(data.sample_rows)} training rows` : ""}
                {data.scale === "log" ? ", in log units of expected demand" : data.scale ? `, in ${data.scale} units` : ""}.
              </figcaption>
            </figure>
          );
        }}
      </QueryState>
    </Card>
  );
}

function ModelCardPanel({ version }: { version: string }) {
  const query = useQuery(modelQueries.card(version));
  return (
    <Card title={`Model card — ${version}`} id="card-title">
      <QueryState query={query} loading="Loading model card…" isEmpty={(card) => card.markdown.trim() === ""} empty={`The model card of ${version} is empty.`}>
        {(card) => <ModelCardView markdown={card.markdown} />}
      </QueryState>
    </Card>
  );
}

export function VersionDetail({ version }: { version: string }) {
  return (
    <section className="section" aria-label={`Version ${version}`} data-testid="version-detail">
      <div className="grid-2">
        <BacktestPanel version={version} />
        <FeatureImportancePanel version={version} />
      </div>
      <div className="section">
        <ModelCardPanel version={version} />
      </div>
    </section>
  );
}
