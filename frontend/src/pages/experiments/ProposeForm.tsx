/** Propose an experiment (`POST /experiments`, planner and above): seed 003's "Propose Experiment". */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { api, call, type Schema } from "../../api/client";
import { useCaller } from "../../auth/AuthContext";
import { Card } from "../../components/Card";
import { ErrorPanel } from "../../components/States";
import { SubmitOrCancel } from "../../components/SubmitOrCancel";
import { EXPERIMENTS_KEY } from "./queries";

type Experiment = Schema<"ExperimentRead">;

const TYPES = ["segmentation", "features", "feature_tier", "model", "hyperparameters", "data"];

export function ProposeForm({
  versions,
  onDone,
  onCancel,
}: {
  versions: string[];
  onDone: (experiment: Experiment) => void;
  onCancel: () => void;
}) {
  const caller = useCaller();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    experiment_name: "",
    hypothesis: "",
    experiment_type: "",
    model_name: "demand_forecast",
    baseline_version: "",
    proposed_by: caller.key_name,
  });
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }));

  const mutation = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/v1/experiments", {
          body: {
            experiment_name: form.experiment_name.trim(),
            hypothesis: form.hypothesis.trim(),
            experiment_type: form.experiment_type.trim(),
            model_name: form.model_name.trim() || "demand_forecast",
            baseline_version: form.baseline_version.trim() || null,
            proposed_by: form.proposed_by.trim(),
          },
        }),
      ),
    onSuccess: async (experiment) => {
      await queryClient.invalidateQueries({ queryKey: EXPERIMENTS_KEY });
      onDone(experiment);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!mutation.isPending) mutation.mutate();
  };

  return (
    <Card title="Propose an experiment" id="propose-title">
      <form className="form" onSubmit={submit} aria-labelledby="propose-title">
        <label>
          Name
          <input autoFocus required maxLength={200} value={form.experiment_name} onChange={set("experiment_name")} placeholder="Department-Tiered Forecasting" />
        </label>
        <label>
          Hypothesis: what should change, and by how much
          <textarea
            required
            rows={3}
            value={form.hypothesis}
            onChange={set("hypothesis")}
            placeholder="Electronics demand differs from Grocery. Dedicated model will improve MAE by 12%"
          />
        </label>
        <div className="row" style={{ alignItems: "flex-start" }}>
          <label style={{ flex: 1 }}>
            Type
            <input required maxLength={64} list="experiment-types" value={form.experiment_type} onChange={set("experiment_type")} placeholder="segmentation" />
            <datalist id="experiment-types">
              {TYPES.map((type) => (
                <option key={type} value={type} />
              ))}
            </datalist>
          </label>
          <label style={{ flex: 1 }}>
            Baseline version (optional)
            <input maxLength={32} list="propose-versions" value={form.baseline_version} onChange={set("baseline_version")} placeholder="v1" />
            <datalist id="propose-versions">
              {versions.map((version) => (
                <option key={version} value={version} />
              ))}
            </datalist>
          </label>
        </div>
        <div className="row" style={{ alignItems: "flex-start" }}>
          <label style={{ flex: 1 }}>
            Model
            <input required maxLength={100} value={form.model_name} onChange={set("model_name")} />
          </label>
          <label style={{ flex: 1 }}>
            Proposed by
            <input required maxLength={200} value={form.proposed_by} onChange={set("proposed_by")} />
          </label>
        </div>
        {mutation.isError && <ErrorPanel error={mutation.error} />}
        <SubmitOrCancel label="Propose" pendingLabel="Proposing…" pending={mutation.isPending} onCancel={onCancel} />
      </form>
    </Card>
  );
}
