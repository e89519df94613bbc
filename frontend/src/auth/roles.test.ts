import { describe, expect, it } from "vitest";

import { atLeast } from "./roles";

describe("atLeast", () => {
  it("orders viewer < planner < ml_manager < admin", () => {
    expect(atLeast("viewer", "planner")).toBe(false);
    expect(atLeast("planner", "planner")).toBe(true);
    expect(atLeast("ml_manager", "planner")).toBe(true);
    expect(atLeast("planner", "ml_manager")).toBe(false);
    expect(atLeast("admin", "ml_manager")).toBe(true);
  });

  it("allows nothing without a role", () => {
    expect(atLeast(undefined, "viewer")).toBe(false);
  });
});
