import { describe as suite, expect, it } from "vitest";

import { ApiError, asApiError, describe, detailText } from "./errors";

suite("detailText", () => {
  it("keeps a string detail as it is", () => {
    expect(detailText("po 7 is approved, not suggested")).toBe("po 7 is approved, not suggested");
  });

  it("turns 422 problems into 'field: message' without the body/query prefix", () => {
    const detail = [
      { location: ["body", "reason_code"], message: "Field required", type: "missing" },
      { location: ["query", "limit"], message: "Input should be less than or equal to 500", type: "less_than_equal" },
    ];
    expect(detailText(detail)).toBe("reason_code: Field required; limit: Input should be less than or equal to 500");
  });

  it("says nothing for a missing detail", () => {
    expect(detailText(undefined)).toBe("");
    expect(detailText(null)).toBe("");
  });
});

suite("describe", () => {
  it("names a network failure as an unreachable server", () => {
    expect(describe(0, undefined).title).toBe("Cannot reach ShelfOps");
  });

  it("explains a 403 with the API's reason", () => {
    const words = describe(403, { error: "Forbidden", detail: "this action needs the planner role; your key is viewer" });
    expect(words).toEqual({
      title: "Not allowed",
      message: "Your role does not allow this. This action needs the planner role; your key is viewer",
    });
  });

  it("explains a 409 as a state conflict", () => {
    expect(describe(409, { detail: "already approved" }).message).toBe(
      "This conflicts with the item's current state. Already approved",
    );
  });

  it("never shows server internals for a 500", () => {
    expect(describe(500, { detail: "Traceback ..." }).message).not.toContain("Traceback");
  });
});

suite("ApiError", () => {
  it("carries status, title and the plain message", () => {
    const error = new ApiError(422, { error: "ValidationFailed", detail: [{ location: ["body", "quantity"], message: "must be > 0" }] });
    expect(error.status).toBe(422);
    expect(error.title).toBe("Check your input");
    expect(error.message).toBe("Some input was not accepted. Quantity: must be > 0");
  });

  it("turns anything else into a network error", () => {
    expect(asApiError(new TypeError("Failed to fetch")).status).toBe(0);
  });
});
