/** Where a page of an offset-paged list sits among all its rows (pure, for the paging bars). */

export interface PageInfo {
  /** 1-based number of the first row shown (0 when there are none). */
  from: number;
  /** 1-based number of the last row shown. */
  to: number;
  page: number;
  pages: number;
  hasPrevious: boolean;
  hasNext: boolean;
}

/** Where a page of `shown` rows at `offset` sits among `total`. */
export function pageInfo(total: number, offset: number, limit: number, shown: number): PageInfo {
  const pages = Math.max(1, Math.ceil(total / limit));
  return {
    from: shown === 0 ? 0 : offset + 1,
    to: offset + shown,
    page: Math.floor(offset / limit) + 1,
    pages,
    hasPrevious: offset > 0,
    hasNext: offset + shown < total,
  };
}

/** "11–20 of 35" for a page of `limit` rows at `offset`, and whether earlier/later pages exist. */
export function pageRange(total: number, limit: number, offset: number): { label: string; hasPrev: boolean; hasNext: boolean } {
  if (total <= 0) return { label: "None", hasPrev: false, hasNext: false };
  const first = Math.min(offset + 1, total);
  const last = Math.min(offset + limit, total);
  return { label: `${first}–${last} of ${total}`, hasPrev: offset > 0, hasNext: offset + limit < total };
}
