/** Number and date formatting shared by every page (one locale: en-US). */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 0 });
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

/** A count: 12,345. `null`/`undefined` → "—". */
export function formatInt(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? "—" : integer.format(value);
}

/** A measurement with up to `digits` decimals. */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return digits === 2 ? decimal.format(value) : value.toFixed(digits);
}

/** A share 0…1 as a percentage: 0.953 → "95.3%". */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return `${(value * 100).toFixed(digits)}%`;
}

/** An amount of money in whole dollars. */
export function formatMoney(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? "—" : money.format(value);
}

/** An ISO date or timestamp as "2026-12-05" (dates) or "2026-12-05 14:03" (timestamps, UTC). */
export function formatWhen(value: string | null | undefined): string {
  if (!value) return "—";
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return value;
  return instant.toISOString().slice(0, 16).replace("T", " ");
}

/** Hours as a short age: 0.5 → "30 min", 5 → "5.0 h", 50 → "2.1 d". */
export function formatAge(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || Number.isNaN(hours)) return "—";
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} d`;
}
