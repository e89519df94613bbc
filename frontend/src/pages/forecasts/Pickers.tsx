/** Store and product pickers: a select of stores, a product search with a select of matches. */
import { useId, useState } from "react";

import { asApiError } from "../../api/errors";
import { useDebounced } from "../../hooks/useDebounced";
import { formatInt } from "../../lib/format";
import { useProduct, useProducts, type Store } from "./queries";

export function StorePicker({
  stores,
  value,
  onChange,
}: {
  stores: Store[];
  value: number | null;
  onChange: (storeId: number | null) => void;
}) {
  const known = value === null || stores.some((store) => store.store_id === value);
  return (
    <label>
      Store
      <select value={value ?? ""} onChange={(event) => onChange(event.target.value ? Number(event.target.value) : null)}>
        <option value="">Choose a store…</option>
        {!known && <option value={value!}>Store #{value} (not found)</option>}
        {stores.map((store) => (
          <option key={store.store_id} value={store.store_id}>
            {store.name} ({store.store_code})
          </option>
        ))}
      </select>
    </label>
  );
}

export function ProductPicker({ value, onChange }: { value: number | null; onChange: (productId: number | null) => void }) {
  const [search, setSearch] = useState("");
  const products = useProducts(useDebounced(search, 250));
  const chosen = useProduct(value);
  const hintId = useId();

  const items = products.data?.items ?? [];
  // The chosen product stays selectable even when the search does not match it.
  const chosenHidden = value !== null && !items.some((product) => product.product_id === value);
  const total = products.data?.total ?? 0;

  let hint: string;
  if (products.isError) hint = `Could not search products: ${asApiError(products.error).message}`;
  else if (products.isPending) hint = "Loading products…";
  else if (total === 0) hint = "No product matches this search.";
  else if (total > items.length) hint = `Showing ${formatInt(items.length)} of ${formatInt(total)}: type to narrow.`;
  else hint = `${formatInt(total)} product${total === 1 ? "" : "s"}`;

  return (
    <div className="row" style={{ alignItems: "flex-end" }}>
      <label>
        Search products
        <input
          type="search"
          value={search}
          placeholder="Code or name"
          maxLength={200}
          onChange={(event) => setSearch(event.target.value)}
          aria-describedby={hintId}
        />
      </label>
      <label>
        Product
        <select
          value={value ?? ""}
          onChange={(event) => onChange(event.target.value ? Number(event.target.value) : null)}
          aria-describedby={hintId}
          style={{ maxWidth: "28rem" }}
        >
          <option value="">Choose a product…</option>
          {chosenHidden && (
            <option value={value!}>
              {chosen.data ? `${chosen.data.name} (${chosen.data.product_code})` : `Product #${value}`}
            </option>
          )}
          {items.map((product) => (
            <option key={product.product_id} value={product.product_id}>
              {product.name} ({product.product_code})
            </option>
          ))}
        </select>
      </label>
      <span id={hintId} className="muted" role="status" style={{ fontSize: "0.8rem", paddingBottom: "0.5rem" }}>
        {hint}
      </span>
    </div>
  );
}
