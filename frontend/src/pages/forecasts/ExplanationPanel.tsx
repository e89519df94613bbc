/** The SHAP explanation of one forecast day: prediction, base value, and each feature's part. */
import { useState } from "react";

import { asApiError } from "../../api/errors";
import { Stat } from "../../components/Card";
import { Loading } from "../../components/States";
import { formatNumber } from "../../lib/format";
import {
  blendParts,
  explanationProblem,
  featureValueText,
  topContributions,
  type ContributionBar,
} from "../../lib/forecasts";
import { useExplanation, type Explanation } from "./queries";

const TOP = 12;
const RAISES = "#2563EB";
const LOWERS = "#EA580C";

export function ExplanationPanel({ storeId, productId, day }: { storeId: number; productId: number; day: string | null }) {
  const explanation = useExplanation(storeId, productId, day);
  if (day === null) {
    return (
      <div className="state">Choose a forecast day above (or click one in the chart) to see which features drove it.</div>
    );
  }
  if (explanation.isPending) return <Loading label={`Computing the explanation of ${day}…`} />;
  if (explanation.isError) {
    const failure = asApiError(explanation.error);
    const { title, message, detail } = explanationProblem(failure);
    const answer = [404, 409, 503].includes(failure.status);
    return (
      <div className="state error" role="alert">
        <strong>{title}</strong>
        <span>{message}</span>
        {detail && (
          <div style={{ marginTop: "0.35rem", fontSize: "0.8rem" }}>
            Server's reason: <span style={{ wordBreak: "break-word" }}>{detail}</span>
          </div>
        )}
        {!answer && failure.status !== 403 && (
          <div style={{ marginTop: "0.5rem" }}>
            <button type="button" onClick={() => void explanation.refetch()}>
              Try again
            </button>
          </div>
        )}
      </div>
    );
  }
  return <ExplanationBody explanation={explanation.data} />;
}

function ExplanationBody({ explanation }: { explanation: Explanation }) {
  const [showAll, setShowAll] = useState(false);
  const total = explanation.contributions.length;
  const bars = topContributions(explanation.contributions, showAll ? total : TOP);
  const logScale = explanation.scale === "log";
  const aheadDays = `${explanation.step} day${explanation.step === 1 ? "" : "s"} ahead`;
  const blended = explanation.blend.length > 1;

  return (
    <div data-testid="forecast-explanation">
      <div className="row" style={{ gap: "2rem", marginBottom: "0.5rem", alignItems: "flex-start" }}>
        <Stat label={`Forecast for ${explanation.date}`} value={formatNumber(explanation.stored_forecast)} hint="units" />
        {blended && (
          <Stat
            label={`${explanation.model}'s own forecast`}
            value={formatNumber(explanation.prediction)}
            hint="units; explained below"
          />
        )}
        <Stat
          label="Base value"
          value={formatNumber(explanation.base_prediction)}
          hint={`units; ${formatNumber(explanation.base_value, 3)} on the ${explanation.scale} scale`}
        />
      </div>
      <p className="muted" style={{ margin: "0 0 0.5rem", fontSize: "0.85rem" }}>
        Issued {explanation.issue_date} ({aheadDays}) by {explanation.model_name} {explanation.model_version} ·{" "}
        {explanation.model}
      </p>
      <BlendNote explanation={explanation} />
      <p style={{ margin: "0 0 0.75rem" }}>{explanation.meaning}</p>
      {total === 0 ? (
        <div className="state">The model reported no feature contributions for this day.</div>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="muted" style={{ textAlign: "left", fontSize: "0.8rem", paddingBottom: "0.4rem" }}>
                {showAll || total <= TOP ? `All ${total} features` : `Top ${TOP} of ${total} features`} by size of effect;{" "}
                <span style={{ color: RAISES, fontWeight: 600 }}>blue raises</span> the forecast,{" "}
                <span style={{ color: LOWERS, fontWeight: 600 }}>orange lowers</span> it.
              </caption>
              <thead>
                <tr>
                  <th scope="col">Feature</th>
                  <th scope="col" className="num">
                    Value
                  </th>
                  <th scope="col" style={{ width: "32%" }}>
                    Effect
                  </th>
                  <th scope="col" className="num">
                    SHAP
                  </th>
                  {logScale && (
                    <th scope="col" className="num" title="The factor this feature multiplies the forecast by">
                      × forecast
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {bars.map((bar) => (
                  <ContributionRow key={bar.feature} bar={bar} logScale={logScale} />
                ))}
              </tbody>
            </table>
          </div>
          {total > TOP && (
            <button type="button" style={{ marginTop: "0.5rem" }} onClick={() => setShowAll((all) => !all)}>
              {showAll ? `Show the top ${TOP} only` : `Show all ${total} features`}
            </button>
          )}
        </>
      )}
    </div>
  );
}

/** For a blended forecast: each model's part of it, and which one the features explain. */
function BlendNote({ explanation }: { explanation: Explanation }) {
  const split = blendParts(explanation.blend);
  if (split === null) return null;
  return (
    <p data-testid="forecast-blend" style={{ margin: "0 0 0.5rem" }}>
      The champion blends {split.parts.length} models for this series:{" "}
      {split.parts.map((part, index) => (
        <span key={part.model}>
          {index > 0 && " + "}
          {formatNumber(part.weight, 2)} × {part.model} ({formatNumber(part.prediction)})
        </span>
      ))}{" "}
      = {formatNumber(split.total)} units. The features below explain {explanation.model}&apos;s own forecast of{" "}
      {formatNumber(explanation.prediction)} units.
    </p>
  );
}

function ContributionRow({ bar, logScale }: { bar: ContributionBar; logScale: boolean }) {
  const raises = bar.shap >= 0;
  const width = `${(bar.share * 50).toFixed(1)}%`;
  return (
    <tr>
      <td style={bar.remainder ? { fontStyle: "italic", color: "var(--muted)" } : undefined}>{bar.feature}</td>
      <td className="num">{bar.remainder ? "" : featureValueText(bar.value)}</td>
      <td aria-hidden="true">
        {/* A diverging bar: left of the middle lowers, right of it raises. */}
        <div style={{ position: "relative", height: "0.9rem", background: "var(--grid)", borderRadius: 3 }}>
          <div style={{ position: "absolute", left: "50%", top: 0, bottom: 0, width: 1, background: "var(--border)" }} />
          <div
            style={{
              position: "absolute",
              top: 0,
              bottom: 0,
              width,
              ...(raises ? { left: "50%" } : { right: "50%" }),
              background: raises ? RAISES : LOWERS,
              borderRadius: 3,
            }}
          />
        </div>
      </td>
      <td className="num" style={{ color: raises ? RAISES : LOWERS }}>
        {bar.shap >= 0 ? "+" : ""}
        {formatNumber(bar.shap, 3)}
      </td>
      {logScale && <td className="num">{bar.multiplier === null ? "—" : `×${formatNumber(bar.multiplier, 2)}`}</td>}
    </tr>
  );
}
