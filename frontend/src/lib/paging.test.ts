import { describe, expect, it } from "vitest";

import { pageInfo, pageRange } from "./paging";

describe("paging", () => {
  it("places a page among all rows", () => {
    expect(pageInfo(90, 50, 25, 25)).toEqual({ from: 51, to: 75, page: 3, pages: 4, hasPrevious: true, hasNext: true });
    expect(pageInfo(90, 75, 25, 15)).toMatchObject({ from: 76, to: 90, page: 4, hasNext: false });
    expect(pageInfo(0, 0, 25, 0)).toEqual({ from: 0, to: 0, page: 1, pages: 1, hasPrevious: false, hasNext: false });
  });

  it("labels a page and says whether others exist", () => {
    expect(pageRange(35, 10, 10)).toEqual({ label: "11–20 of 35", hasPrev: true, hasNext: true });
    expect(pageRange(3, 10, 0)).toEqual({ label: "1–3 of 3", hasPrev: false, hasNext: false });
    expect(pageRange(0, 10, 0).hasNext).toBe(false);
  });
});
