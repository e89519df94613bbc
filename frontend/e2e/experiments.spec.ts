import type { Page } from "@playwright/test";

import { expect, screenshot, test } from "./fixtures";

async function openExperiments(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Experiments", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Experiments", level: 1 })).toBeVisible();
}

test("a viewer reads experiments but is offered no step", async ({ page, keys, signIn }) => {
  await signIn(keys.viewer);
  await openExperiments(page);
  await expect(page.getByRole("button", { name: "Propose an experiment" })).toHaveCount(0);
  await page.getByTestId("experiment-row").first().getByRole("button").click();
  await expect(page.getByTestId("experiment-detail")).toBeVisible();
  await expect(page.getByRole("group", { name: "Next steps" })).toHaveCount(0);
});

test("an experiment runs from proposal to completion through the UI", async ({ page, keys, signIn }) => {
  const name = `E2E tiered forecasting ${Date.now()}`;
  // The version the experiment names: today's champion, which the registry cannot promote
  // again, so adopting it shows a refusal (the demo always has a champion).
  const health = await (
    await page.request.get("/api/v1/models/health", { headers: { Authorization: `Bearer ${keys.viewer}` } })
  ).json();
  const champion: string = health.champion.version;
  const detail = page.getByTestId("experiment-detail");

  // A planner proposes; deciding is not theirs.
  await signIn(keys.planner);
  await openExperiments(page);
  await page.getByRole("button", { name: "Propose an experiment" }).click();
  await expect(page.getByLabel("Name", { exact: true })).toBeFocused();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel(/^Hypothesis/).fill("A dedicated model per department will improve MAE by 5%");
  await page.getByLabel("Type", { exact: true }).fill("segmentation");
  await page.getByLabel(/^Baseline version/).fill("v1");
  await page.getByRole("button", { name: "Propose", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: `Proposed "${name}"` })).toBeVisible();
  await expect(detail).toHaveAttribute("data-status", "proposed");
  await expect(detail).toContainText("waiting for an ML manager to approve or reject it");
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(page.getByText("The next step is an ML manager's (or an admin's) decision.")).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();

  // An ML manager approves, starts, shadow tests and completes it.
  await signIn(keys.ml_manager);
  await openExperiments(page);
  await page.getByRole("button", { name, exact: true }).click();
  await expect(detail).toHaveAttribute("data-status", "proposed");

  await page.getByRole("button", { name: "Approve" }).click();
  await page.getByLabel("Rationale").fill("Approved with constraint: top 500 SKUs only");
  await page.getByTestId("step-form-approve").getByRole("button", { name: "Approve" }).click();
  await expect(detail).toHaveAttribute("data-status", "approved");
  await expect(detail).toContainText("Approved by e2e ml_manager");
  await expect(detail).toContainText("top 500 SKUs only");

  await page.getByRole("button", { name: "Start implementation" }).click();
  await page.getByTestId("step-form-start").getByRole("button", { name: "Start implementation" }).click();
  await expect(detail).toHaveAttribute("data-status", "in_progress");

  await page.getByRole("button", { name: "Start shadow test" }).click();
  await page.getByLabel("Experimental version").fill(champion);
  await page.getByTestId("step-form-shadow").getByRole("button", { name: "Start shadow test" }).click();
  await expect(detail).toHaveAttribute("data-status", "shadow_testing");
  await expect(detail).toContainText(`experimental ${champion}`);

  await page.getByRole("button", { name: "Complete with results" }).click();
  const complete = page.getByTestId("step-form-complete");
  await complete.getByRole("combobox", { name: /^Decision/ }).selectOption("adopt");
  await complete.getByLabel("Decision rationale").fill("Beat the baseline on the shadow run");
  await complete.getByLabel("Baseline MAE").fill("abc");
  await complete.getByLabel("Experimental MAE").fill("1.9");
  await complete.getByRole("button", { name: "Complete with results" }).click();
  await expect(complete.getByRole("alert")).toContainText("Baseline MAE must be a number.");
  await complete.getByLabel("Baseline MAE").fill("2.0");
  await complete.getByRole("button", { name: "Complete with results" }).click();
  // The registry refuses to promote the version that is already champion: plain words,
  // nothing typed is lost.
  await expect(complete.getByRole("alert")).toContainText("Not possible right now");
  await expect(complete.getByRole("alert")).toContainText("champion");
  await expect(complete.getByLabel("Decision rationale")).toHaveValue("Beat the baseline on the shadow run");
  await expect(complete.getByLabel("Baseline MAE")).toHaveValue("2.0");
  await expect(detail).toHaveAttribute("data-status", "shadow_testing");

  await complete.getByRole("combobox", { name: /^Decision/ }).selectOption("reject");
  await complete.getByLabel("Decision rationale").fill("Already the champion: nothing to adopt");
  await complete.getByRole("button", { name: "Complete with results" }).click();
  await expect(detail).toHaveAttribute("data-status", "completed");

  const results = page.getByTestId("experiment-results");
  await expect(results).toContainText("Reject: no model changes");
  await expect(results).toContainText("Already the champion: nothing to adopt");
  await expect(results.getByRole("row", { name: /Baseline MAE/ })).toContainText("2.000");
  await expect(results.getByRole("row", { name: /Experimental MAE/ })).toContainText("1.900");
  // (2.0 − 1.9) / 2.0 = 5.0 %, computed because the field was left blank.
  await expect(results.getByRole("row", { name: /Improvement/ })).toContainText("5.0%");
  await expect(page.getByRole("group", { name: "Next steps" })).toHaveCount(0);
  await screenshot(page, "experiments");
});
