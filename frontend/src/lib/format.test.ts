import { describe, expect, it } from "vitest";

import { formatAge, formatInt, formatMoney, formatNumber, formatPercent, formatWhen } from "./format";

describe("format", () => {
  it("shows missing values as a dash", () => {
    expect(formatInt(null)).toBe("—");
    expect(formatNumber(undefined)).toBe("—");
    expect(formatPercent(Number.NaN)).toBe("—");
    expect(formatWhen(null)).toBe("—");
  });

  it("formats counts, measurements, shares and money", () => {
    expect(formatInt(12345.6)).toBe("12,346");
    expect(formatNumber(1.23456)).toBe("1.23");
    expect(formatNumber(1.23456, 3)).toBe("1.235");
    expect(formatPercent(0.9534)).toBe("95.3%");
    expect(formatMoney(1234.4)).toBe("$1,234");
  });

  it("keeps dates and shortens timestamps to minutes (UTC)", () => {
    expect(formatWhen("2026-12-05")).toBe("2026-12-05");
    expect(formatWhen("2026-12-05T14:03:59.123Z")).toBe("2026-12-05 14:03");
  });

  it("shows an age in minutes, hours or days", () => {
    expect(formatAge(0.5)).toBe("30 min");
    expect(formatAge(5)).toBe("5.0 h");
    expect(formatAge(50)).toBe("2.1 d");
  });
});
