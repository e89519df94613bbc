/** Inline styles shared by several pages (the shared stylesheet has no class for these). */
import type { CSSProperties } from "react";

/** A button that opens a row's detail, looking like a link in a table cell. */
export const linkButton: CSSProperties = {
  border: 0,
  background: "none",
  padding: 0,
  color: "var(--primary)",
  textAlign: "left",
  textDecoration: "underline",
  textUnderlineOffset: "2px",
};

/** The highlight of the table row whose detail is open. */
export function selectedRow(isSelected: boolean): CSSProperties | undefined {
  return isSelected ? { background: "var(--primary-soft)" } : undefined;
}
