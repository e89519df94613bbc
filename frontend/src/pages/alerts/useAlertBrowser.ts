/** The state of an alerts tab: its filters and page, and which alert is open. */
import { useState } from "react";

/** Filters of an offset-paged alert list. */
interface Paged {
  offset: number;
  limit: number;
}

/**
 * Filters, paging and the open alert of one alerts tab. `filterBy` changes filters and goes back to
 * the first page (the old offset may lie past the new total); `table` is what `AlertTable` needs.
 */
export function useAlertBrowser<F extends Paged>(defaults: F) {
  const [filters, setFilters] = useState<F>(defaults);
  const [selected, setSelected] = useState<string | null>(null);
  return {
    filters,
    selected,
    close: () => setSelected(null),
    filterBy: (change: Partial<Omit<F, "offset" | "limit">>) => setFilters({ ...filters, ...change, offset: 0 }),
    table: {
      selected,
      onSelect: setSelected,
      offset: filters.offset,
      limit: filters.limit,
      onOffset: (offset: number) => setFilters({ ...filters, offset }),
    },
  };
}
