/** Paging controls for a list: where the page sits, and buttons to the page before and after. */
import type { ReactNode } from "react";

import { pageInfo, pageRange } from "../lib/paging";

/**
 * The paging bar: a summary, then the previous / next buttons (their words vary by list:
 * "Previous"/"Next", or "Newer"/"Older" for lists that run newest first).
 */
export function PagerBar({
  label,
  summary,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  previousText = "Previous",
  nextText = "Next",
}: {
  label: string;
  summary: ReactNode;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  previousText?: string;
  nextText?: string;
}) {
  return (
    <nav className="row" aria-label={`${label} pages`} style={{ marginTop: "0.75rem" }}>
      <span className="muted" aria-live="polite">
        {summary}
      </span>
      <span className="spacer" />
      <button type="button" disabled={!hasPrevious} onClick={onPrevious}>
        {previousText}
      </button>
      <button type="button" disabled={!hasNext} onClick={onNext}>
        {nextText}
      </button>
    </nav>
  );
}

/** Previous / next paging of an offset-paged list, saying "from–to of total · page n of m". */
export function Pager({
  total,
  offset,
  limit,
  shown,
  onOffset,
  label,
}: {
  total: number;
  offset: number;
  limit: number;
  shown: number;
  onOffset: (offset: number) => void;
  label: string;
}) {
  const info = pageInfo(total, offset, limit, shown);
  return (
    <PagerBar
      label={label}
      summary={`${info.from}–${info.to} of ${total} · page ${info.page} of ${info.pages}`}
      hasPrevious={info.hasPrevious}
      hasNext={info.hasNext}
      onPrevious={() => onOffset(Math.max(0, offset - limit))}
      onNext={() => onOffset(offset + limit)}
    />
  );
}

/**
 * Paging of a newest-first list: "`prefix` 11–20 of 35" for the page the server answered, then
 * "Newer" / "Older", which move the requested `offset` by `step` rows.
 */
export function NewestFirstPager({
  label,
  prefix,
  page,
  offset,
  step,
  onOffset,
}: {
  label: string;
  prefix?: string;
  page: { total: number; limit: number; offset: number };
  offset: number;
  step: number;
  onOffset: (offset: number) => void;
}) {
  const info = pageRange(page.total, page.limit, page.offset);
  return (
    <PagerBar
      label={label}
      summary={prefix ? `${prefix} ${info.label}` : info.label}
      hasPrevious={info.hasPrev}
      hasNext={info.hasNext}
      onPrevious={() => onOffset(Math.max(0, offset - step))}
      onNext={() => onOffset(offset + step)}
      previousText="Newer"
      nextText="Older"
    />
  );
}
