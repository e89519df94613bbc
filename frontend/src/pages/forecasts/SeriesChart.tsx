/**
 * One series on one time axis: sales history (stock-out days marked), the forecast mean
 * inside its quantile band, actuals that arrived for forecast days, and the issue date.
 */
import { useId, useMemo } from "react";
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import { formatNumber } from "../../lib/format";
import { bandLabel, chartRows, type ChartRow } from "../../lib/forecasts";
import type { Series } from "./queries";

export const COLORS = {
  primary: "#2563EB",
  grid: "#F3F4F6",
  history: "#6B7280",
  stockout: "#DC2626",
  actual: "#111827",
  issue: "#9CA3AF",
} as const;

const SERIES_NAMES = {
  sales: "Units sold",
  stockout: "Stock-out day (sales censored)",
  mean: "Forecast mean",
  actual: "Actual (arrived)",
} as const;

/** "2026-12-05" → "Dec 5" on the axis (the tooltip shows the full date). */
function shortDate(date: string): string {
  const [, month, day] = date.split("-");
  const name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Number(month) - 1];
  return name ? `${name} ${Number(day)}` : date;
}

/** The hovered day in words: one row carries every series (see `chartRows`). */
function DayTooltip({ row, band }: { row: ChartRow | undefined; band: string }) {
  if (!row) return null;
  const line = (label: string, value: string, color: string) => (
    <div style={{ color }}>
      {label}: <strong>{value}</strong>
    </div>
  );
  return (
    <div style={{ background: "#fff", border: "1px solid var(--border)", borderRadius: 6, padding: "0.5rem 0.65rem", fontSize: 12 }}>
      <div style={{ fontWeight: 600, marginBottom: 4 }}>
        {row.date}
        {row.forecastDay ? " · forecast day" : ""}
      </div>
      {row.sales !== undefined &&
        line(row.stockout !== undefined ? "Units sold (stock-out, censored)" : SERIES_NAMES.sales, formatNumber(row.sales), row.stockout !== undefined ? COLORS.stockout : COLORS.history)}
      {row.mean !== undefined && line(SERIES_NAMES.mean, formatNumber(row.mean), COLORS.primary)}
      {row.band && line(band, `${formatNumber(row.band[0])} – ${formatNumber(row.band[1])}`, COLORS.primary)}
      {row.actual !== undefined && line(SERIES_NAMES.actual, formatNumber(row.actual), COLORS.actual)}
    </div>
  );
}

export function SeriesChart({
  series,
  selectedDay,
  onPickDay,
}: {
  series: Series;
  selectedDay: string | null;
  onPickDay: (day: string) => void;
}) {
  const rows = useMemo(() => chartRows(series), [series]);
  const band = bandLabel(series.forecast);
  const titleId = useId();
  const hasStockouts = rows.some((row) => row.stockout !== undefined);
  const forecastDays = useMemo(() => new Set(rows.filter((row) => row.forecastDay).map((row) => row.date)), [rows]);

  return (
    <figure aria-labelledby={titleId} style={{ margin: 0 }}>
      <figcaption id={titleId} style={{ fontWeight: 600, marginBottom: "0.5rem" }}>
        Daily units sold and forecast with its {band}
      </figcaption>
      <ResponsiveContainer width="100%" height={360}>
        <ComposedChart
          data={rows}
          margin={{ top: 16, right: 16, bottom: 0, left: 0 }}
          onClick={(state) => {
            const label = state.activeLabel;
            if (typeof label === "string" && forecastDays.has(label)) onPickDay(label);
          }}
          style={{ cursor: forecastDays.size > 0 ? "pointer" : undefined }}
        >
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis dataKey="date" tickFormatter={shortDate} minTickGap={28} tick={{ fontSize: 12 }} />
          <YAxis width={48} tick={{ fontSize: 12 }} allowDecimals={false} />
          <Tooltip
            content={({ active, payload }) =>
              active ? <DayTooltip row={payload?.[0]?.payload as ChartRow | undefined} band={band} /> : null
            }
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Area
            dataKey="band"
            name={band}
            stroke="none"
            fill={COLORS.primary}
            fillOpacity={0.18}
            isAnimationActive={false}
          />
          <Line
            dataKey="sales"
            name={SERIES_NAMES.sales}
            stroke={COLORS.history}
            strokeWidth={1.5}
            dot={false}
            isAnimationActive={false}
          />
          {hasStockouts && (
            <Scatter dataKey="stockout" name={SERIES_NAMES.stockout} fill={COLORS.stockout} shape="cross" isAnimationActive={false} />
          )}
          <Line
            dataKey="mean"
            name={SERIES_NAMES.mean}
            stroke={COLORS.primary}
            strokeWidth={2}
            dot={{ r: 2.5 }}
            activeDot={{ r: 5 }}
            isAnimationActive={false}
          />
          <Scatter dataKey="actual" name={SERIES_NAMES.actual} fill={COLORS.actual} shape="diamond" isAnimationActive={false} />
          {series.issue_date && (
            <ReferenceLine
              x={series.issue_date}
              stroke={COLORS.issue}
              strokeDasharray="4 4"
              label={{ value: "Issued", position: "insideTopLeft", fontSize: 12, fill: COLORS.history }}
            />
          )}
          {selectedDay && forecastDays.has(selectedDay) && (
            <ReferenceLine
              x={selectedDay}
              stroke={COLORS.primary}
              label={{ value: "Explained", position: "insideTopRight", fontSize: 12, fill: COLORS.primary }}
            />
          )}
        </ComposedChart>
      </ResponsiveContainer>
      <p className="muted" style={{ fontSize: "0.8rem", margin: "0.5rem 0 0" }}>
        <span style={{ color: COLORS.stockout, fontWeight: 700 }}>✕</span> Stock-out days
        {hasStockouts ? "" : " (none in this window)"}: the shelf was empty at close, so those sales are censored —
        demand was at least that much.{" "}
        The shaded band runs from the lowest to the highest forecast quantile; ◆ marks the actual sales of a forecast
        day. Click a forecast day to see why the model forecast it.
      </p>
    </figure>
  );
}
