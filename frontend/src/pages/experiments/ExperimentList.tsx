/** The tenant's experiments, newest first, filtered by status and paged. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";

import { Badge } from "../../components/Badge";
import { Card } from "../../components/Card";
import { NewestFirstPager } from "../../components/Pager";
import { selectedRow } from "../../components/styles";
import { QueryState } from "../../components/States";
import { formatWhen } from "../../lib/format";
import { LIST_PAGE, experimentQueries, type StatusFilter } from "./queries";

const FILTERS: { value: StatusFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "active", label: "Active (proposed to shadow testing)" },
  { value: "proposed", label: "Proposed" },
  { value: "approved", label: "Approved" },
  { value: "in_progress", label: "In progress" },
  { value: "shadow_testing", label: "Shadow testing" },
  { value: "completed", label: "Completed" },
  { value: "rejected", label: "Rejected" },
];

export function ExperimentList({ selected, onSelect }: { selected: string | null; onSelect: (id: string) => void }) {
  const [filter, setFilter] = useState<StatusFilter>("all");
  const [offset, setOffset] = useState(0);
  const filterId = useId();
  const list = useQuery({ ...experimentQueries.list(filter, offset), placeholderData: keepPreviousData });
  return (
    <Card
      title="Experiments"
      id="experiments-title"
      actions={
        <label htmlFor={filterId} style={{ flexDirection: "row", alignItems: "center", gap: "0.4rem" }}>
          Status
          <select
            id={filterId}
            value={filter}
            onChange={(event) => {
              setFilter(event.target.value as StatusFilter);
              setOffset(0);
            }}
          >
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <QueryState
        query={list}
        loading="Loading experiments…"
        isEmpty={(page) => page.items.length === 0}
        empty={filter === "all" ? "No experiments yet. A planner can propose one." : "No experiments in this status."}
      >
        {(page) => (
          <>
            <div className="table-wrap">
              <table aria-labelledby="experiments-title">
                <thead>
                  <tr>
                    <th>Experiment</th>
                    <th>Status</th>
                    <th>Proposed</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((experiment) => (
                    <tr
                      key={experiment.experiment_id}
                      data-testid="experiment-row"
                      style={selectedRow(selected === experiment.experiment_id)}
                    >
                      <td>
                        <button
                          type="button"
                          className="link"
                          aria-pressed={selected === experiment.experiment_id}
                          style={{ border: 0, padding: 0, background: "none", color: "var(--primary)", textAlign: "left", fontWeight: 600 }}
                          onClick={() => onSelect(experiment.experiment_id)}
                        >
                          {experiment.experiment_name}
                        </button>
                        <div className="muted" style={{ fontSize: "0.8rem" }}>
                          {experiment.experiment_type}
                        </div>
                      </td>
                      <td>
                        <Badge status={experiment.status} />
                      </td>
                      <td>
                        {experiment.proposed_by}
                        <div className="muted" style={{ fontSize: "0.8rem" }}>
                          {formatWhen(experiment.created_at)}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <NewestFirstPager label="Experiments" page={page} offset={offset} step={LIST_PAGE} onOffset={setOffset} />
          </>
        )}
      </QueryState>
    </Card>
  );
}
