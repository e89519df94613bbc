/** Forecast accuracy over the last 30 scored dates: MAE (units) and WAPE / coverage (%). */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { Card, Stat } from "../../components/Card";
import { QueryState } from "../../components/States";
import { formatInt, formatNumber, formatPercent } from "../../lib/format";
import { accuracyRows, accuracySummary, type AccuracyPoint } from "../../lib/overview";
import { useAccuracyTrend } from "./queries";

const DAYS = 30;
const COLORS = { mae: "#2563EB", wape: "#D97706", coverage: "#059669", grid: "#F3F4F6" };

const percentTick = (value: number) => `${Math.round(value * 100)}%`;

function Chart({ points }: { points: AccuracyPoint[] }) {
  const rows = accuracyRows(points);
  return (
    <div
      role="img"
      aria-label={`Daily forecast MAE, WAPE and interval coverage over ${rows.length} scored dates`}
      data-testid="accuracy-chart"
      style={{ width: "100%", height: 260 }}
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis dataKey="date" tick={{ fontSize: 12 }} tickLine={false} minTickGap={24} />
          <YAxis yAxisId="units" tick={{ fontSize: 12 }} width={48} tickFormatter={(v: number) => formatNumber(v, 1)} />
          <YAxis yAxisId="share" orientation="right" domain={[0, "auto"]} tick={{ fontSize: 12 }} width={44} tickFormatter={percentTick} />
          <Tooltip
            formatter={(value, name) => {
              const number = typeof value === "number" ? value : Number(value);
              return [name === "MAE (units)" ? formatNumber(number) : formatPercent(number), name];
            }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line yAxisId="units" type="monotone" dataKey="mae" name="MAE (units)" stroke={COLORS.mae} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          <Line yAxisId="share" type="monotone" dataKey="wape" name="WAPE" stroke={COLORS.wape} strokeWidth={2} dot={{ r: 3 }} connectNulls isAnimationActive={false} />
          <Line
            yAxisId="share"
            type="monotone"
            dataKey="coverage"
            name="Coverage (80% interval)"
            stroke={COLORS.coverage}
            strokeDasharray="4 3"
            strokeWidth={2}
            dot={{ r: 3 }}
            connectNulls
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

function Body({ points }: { points: AccuracyPoint[] }) {
  const summary = accuracySummary(points);
  const rows = accuracyRows(points);
  if (!summary) return null;
  const change = summary.maeChange;
  const changeText =
    change === null ? "first scored date" : `${change > 0 ? "+" : ""}${formatPercent(change)} vs the earlier dates ${change > 0 ? "(worse)" : "(better)"}`;
  return (
    <>
      <div className="row" style={{ gap: "2rem", marginBottom: "0.75rem" }}>
        <Stat label={`MAE on ${summary.latest.date}`} value={formatNumber(summary.latest.mae)} hint={changeText} />
        <Stat label="WAPE" value={formatPercent(summary.latest.wape)} hint="Σ|error| / Σ sales" />
        <Stat label="Interval coverage" value={formatPercent(summary.coverage)} hint={`over ${summary.days} date(s); target 80%`} />
        <Stat label="Series scored" value={formatInt(summary.latest.series)} hint={`${formatInt(summary.latest.stockout_days)} stock-out day(s)`} />
      </div>
      <Chart points={points} />
      <details style={{ marginTop: "0.5rem" }}>
        <summary>Show as a table</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Date</th>
                <th className="num">Series</th>
                <th className="num">MAE</th>
                <th className="num">WAPE</th>
                <th className="num">Bias</th>
                <th className="num">Coverage</th>
                <th className="num">Stock-out days</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.date}>
                  <td>{p.date}</td>
                  <td className="num">{formatInt(p.series)}</td>
                  <td className="num">{formatNumber(p.mae)}</td>
                  <td className="num">{formatPercent(p.wape)}</td>
                  <td className="num">{formatNumber(p.bias)}</td>
                  <td className="num">{formatPercent(p.coverage)}</td>
                  <td className="num">{formatInt(p.stockout_days)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

export function AccuracyCard() {
  const query = useAccuracyTrend(DAYS);
  return (
    <Card title="Forecast accuracy" id="card-accuracy" actions={<span className="muted">last {DAYS} scored dates</span>}>
      <QueryState
        query={query}
        loading="Loading the accuracy trend…"
        isEmpty={(points) => points.length === 0}
        empty={
          <>
            <strong>No scored forecasts yet.</strong> Accuracy appears once the champion's forecasts have days with
            actual sales (the nightly <code>compute_accuracy</code> job scores them).
          </>
        }
      >
        {(points) => <Body points={points} />}
      </QueryState>
    </Card>
  );
}
