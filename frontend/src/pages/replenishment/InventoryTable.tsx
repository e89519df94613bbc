/** The inventory status table: counts per status, then filter, search, sort and pages (all done by the API). */
import { useEffect, useState } from "react";

import { Badge } from "../../components/Badge";
import { Card, Stat } from "../../components/Card";
import { Pager } from "../../components/Pager";
import { QueryState } from "../../components/States";
import { useDebounced } from "../../hooks/useDebounced";
import { formatInt, formatMoney, formatNumber, formatWhen } from "../../lib/format";
import {
  ariaSort,
  DEFAULT_INVENTORY_FILTERS,
  nextSort,
  statusCounts,
  stockStatusWord,
  STOCK_STATUSES,
  type InventoryFilters,
  type InventorySort,
  type StockStatus,
} from "../../lib/replenishment";
import { useInventory, useInventorySummary } from "./queries";

function SortHeader({
  filters,
  sort,
  label,
  onSort,
  numeric,
}: {
  filters: InventoryFilters;
  sort: InventorySort;
  label: string;
  onSort: (sort: InventorySort) => void;
  numeric?: boolean;
}) {
  const state = ariaSort(filters, sort);
  const arrow = state === "ascending" ? " ↑" : state === "descending" ? " ↓" : "";
  return (
    <th aria-sort={state} className={numeric ? "num" : undefined}>
      <button type="button" className="sort" onClick={() => onSort(sort)}>
        {label}
        {arrow}
      </button>
    </th>
  );
}

function Summary() {
  const summary = useInventorySummary();
  return (
    <QueryState query={summary} loading="Loading the inventory summary…">
      {(data) => (
        <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(130px, 1fr))", marginBottom: "1rem" }}>
          {statusCounts(data).map((row) => (
            <Stat key={row.status} label={row.label} value={<span data-testid={`count-${row.status}`}>{formatInt(row.count)}</span>} />
          ))}
          <Stat label="At or below reorder point" value={formatInt(data.below_reorder_point)} />
          <Stat label="On-hand value" value={formatMoney(data.total_on_hand_value)} hint={`computed ${formatWhen(data.computed_at)}`} />
        </div>
      )}
    </QueryState>
  );
}

export function InventoryTable() {
  const [filters, setFilters] = useState<InventoryFilters>(DEFAULT_INVENTORY_FILTERS);
  const [typed, setTyped] = useState("");
  // The search text once typing pauses, so that each keystroke does not query the API.
  const search = useDebounced(typed, 300);
  const summary = useInventorySummary();

  useEffect(() => {
    setFilters((current) => (current.search === search ? current : { ...current, search, offset: 0 }));
  }, [search]);

  const inventory = useInventory(filters);
  const onSort = (sort: InventorySort) => setFilters((current) => nextSort(current, sort));

  return (
    <Card title="Inventory status" id="inventory-title">
      <Summary />
      <div className="row" style={{ marginBottom: "0.75rem", alignItems: "flex-end" }}>
        <label>
          Stock status
          <select
            value={filters.status}
            onChange={(event) => setFilters({ ...filters, status: event.target.value as StockStatus | "", offset: 0 })}
          >
            <option value="">Any status</option>
            {STOCK_STATUSES.map((status) => (
              <option key={status} value={status}>
                {stockStatusWord(status)}
                {summary.data ? ` (${summary.data.by_status[status]})` : ""}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search product
          <input
            type="search"
            value={typed}
            placeholder="Code or name"
            maxLength={200}
            onChange={(event) => setTyped(event.target.value)}
          />
        </label>
        {inventory.isFetching && !inventory.isPending && <span className="muted">Updating…</span>}
      </div>
      <QueryState
        query={inventory}
        loading="Loading inventory…"
        isEmpty={(page) => page.total === 0}
        empty={
          filters.status || filters.search
            ? "No store × product matches this status and search."
            : "No inventory yet: the daily replenishment run has not planned any store × product."
        }
      >
        {(page) => (
          <>
            <div className="table-wrap">
              <table aria-label="Inventory">
                <thead>
                  <tr>
                    <th>Store</th>
                    <SortHeader filters={filters} sort="product_code" label="Product" onSort={onSort} />
                    <th>Status</th>
                    <th className="num">On hand</th>
                    <th className="num">On order</th>
                    <th className="num">Position</th>
                    <SortHeader filters={filters} sort="days_of_supply" label="Days of supply" onSort={onSort} numeric />
                    <th className="num">Reorder point</th>
                    <th className="num">Order now</th>
                    <SortHeader filters={filters} sort="value" label="Value" onSort={onSort} numeric />
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((item) => (
                    <tr key={item.policy_id}>
                      <td>{item.store_code}</td>
                      <td>
                        <strong>{item.product_code}</strong> {item.product_name}
                        <div className="muted" style={{ fontSize: "0.8rem" }}>
                          {item.category}
                        </div>
                      </td>
                      <td>
                        <Badge status={item.stock_status ?? "unknown"} label={stockStatusWord(item.stock_status)} />
                      </td>
                      <td className="num">{formatNumber(item.on_hand)}</td>
                      <td className="num">{formatNumber(item.on_order)}</td>
                      <td className="num">{formatNumber(item.inventory_position)}</td>
                      <td className="num">{item.days_of_supply === null ? "no demand" : formatNumber(item.days_of_supply, 1)}</td>
                      <td className="num">{formatNumber(item.reorder_point, 1)}</td>
                      <td className="num">{item.recommended_quantity ? formatInt(item.recommended_quantity) : "—"}</td>
                      <td className="num">{formatMoney(item.on_hand_value)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              label="Inventory"
              total={page.total}
              offset={filters.offset}
              limit={filters.limit}
              shown={page.items.length}
              onOffset={(offset) => setFilters({ ...filters, offset })}
            />
          </>
        )}
      </QueryState>
    </Card>
  );
}
