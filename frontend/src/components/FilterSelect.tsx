/** A labelled drop-down that filters a list. */

/** One choice of a filter. */
export interface FilterOption<T extends string> {
  value: T;
  label: string;
}

/**
 * A labelled select over `options`; with `anyLabel`, a first choice of "" that filters nothing
 * (then `T` includes ""). `onChange` gets the chosen value (callers usually also go back to the first page).
 */
export function FilterSelect<T extends string>({
  label,
  value,
  options,
  onChange,
  anyLabel,
}: {
  label: string;
  value: T;
  options: readonly FilterOption<T>[];
  onChange: (value: T) => void;
  anyLabel?: string;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(event) => onChange(event.target.value as T)}>
        {anyLabel !== undefined && <option value="">{anyLabel}</option>}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}
