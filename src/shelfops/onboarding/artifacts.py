"""The four artifacts every onboarding run leaves in its report folder:

* ``contract_validation_report.json`` — the :class:`OnboardingResult` in full;
* ``contract_validation_report.md`` — the same for people;
* ``column_lineage_map.json`` — source column → transformations → canonical field;
* ``canonical_schema_snapshot.json`` — the canonical files (columns, types, rules,
  natural keys) the run validated against.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shelfops.ingest.schemas import LOAD_ORDER, SPECS, IngestKind
from shelfops.onboarding.lineage import LineageMap
from shelfops.onboarding.schemas import OnboardingResult

REPORT_JSON = "contract_validation_report.json"
REPORT_MD = "contract_validation_report.md"
LINEAGE_JSON = "column_lineage_map.json"
SCHEMA_JSON = "canonical_schema_snapshot.json"
ARTIFACT_NAMES = (REPORT_JSON, REPORT_MD, LINEAGE_JSON, SCHEMA_JSON)


def write_artifacts(
    report_dir: Path,
    result: OnboardingResult,
    lineage: LineageMap,
    kinds: tuple[IngestKind, ...],
) -> list[Path]:
    """Write the four artifacts into ``report_dir`` (created if needed); returns their
    paths. ``result.artifacts`` must already name them (the JSON report lists itself)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = [report_dir / name for name in ARTIFACT_NAMES]
    _write_json(paths[0], result.model_dump(mode="json"))
    paths[1].write_text(render_markdown(result, lineage), encoding="utf-8")
    _write_json(paths[2], lineage.model_dump(mode="json"))
    _write_json(paths[3], schema_snapshot(kinds))
    return paths


def artifact_paths(report_dir: Path) -> list[Path]:
    """Where :func:`write_artifacts` puts the artifacts."""
    return [report_dir / name for name in ARTIFACT_NAMES]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def schema_snapshot(kinds: tuple[IngestKind, ...]) -> dict[str, Any]:
    """The canonical files ``kinds`` as the run validated them (docs/canonical-format.md)."""
    return {
        "format": "ShelfOps canonical CSV (UTF-8, comma, header row, ISO dates)",
        "documentation": "docs/canonical-format.md",
        "load_order": [kind.value for kind in LOAD_ORDER],
        "files": {
            kind.value: {
                "file_name": SPECS[kind].file_name,
                "natural_key": list(SPECS[kind].key),
                "columns": [
                    {
                        "name": column.name,
                        "type": column.type.value,
                        "required": column.required,
                        "minimum": column.minimum,
                        "below": column.below,
                        "max_length": column.max_length,
                        "references": column.references.value if column.references else None,
                    }
                    for column in SPECS[kind].columns
                ],
            }
            for kind in LOAD_ORDER
            if kind in kinds
        },
    }


# ---------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------


def _cell(value: Any, limit: int | None) -> str:
    if value is None:
        return ""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _table(headers: list[str], rows: list[list[Any]], *, limit: int | None = 300) -> list[str]:
    """A Markdown table; cells longer than ``limit`` (source values) are shortened."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v, limit) for v in row) + " |" for row in rows]
    return lines


def render_markdown(result: OnboardingResult, lineage: LineageMap) -> str:
    """The validation report for people."""
    r = result
    out = [f"# Contract validation report — {r.source_name}", ""]
    size = f", {r.size_bytes:,} bytes" if r.size_bytes is not None else ""
    digest = f", sha256 {r.file_sha256[:16]}…" if r.file_sha256 else ""
    out += _table(
        ["", ""],
        [
            ["status", f"**{r.status}**" + (" (dry run: nothing written)" if r.dry_run else "")],
            [
                "profile",
                f"{r.profile_id} v{r.profile_version} ({r.source_type}, grain {r.grain or '-'})",
            ],
            ["file", f"{r.file_name}{size}{digest}"],
            ["run", f"{r.started_at:%Y-%m-%d %H:%M:%S} UTC, {r.seconds:.2f} s"],
            [
                "records",
                f"{r.records_in:,} in · {r.records_written:,} canonical rows written · "
                f"{r.records_rejected:,} not imported",
            ],
            ["sync log", str(r.sync_id) if r.sync_id else "-"],
        ],
    )
    if r.reason:
        out += ["", f"**Why it was not imported:** {r.reason}"]
    if r.outputs:
        out += ["", "## Canonical output", ""]
        out += _table(
            ["file", "rows", "first date", "last date", "inserted", "updated", "unchanged"],
            [
                [
                    o.kind.value,
                    o.rows,
                    o.first_date,
                    o.last_date,
                    o.inserted,
                    o.updated,
                    o.unchanged,
                ]
                for o in r.outputs
            ],
        )
    if r.quality:
        out += ["", "## Quality checks", ""]
        out += _table(
            ["check", "value", "threshold", "result", "failing records", "measured records"],
            [
                [
                    q.name,
                    "-" if q.value is None else f"{q.value:.4f}",
                    f"{q.comparison} {q.threshold:g}",
                    "pass" if q.passed else "**FAIL**",
                    q.failing_rows,
                    q.measured_rows,
                ]
                for q in r.quality
            ],
        )
    if r.rows_dropped:
        out += ["", "## Dropped records", ""]
        out += _table(["reason", "records"], [[k, v] for k, v in r.rows_dropped.items()])
    if r.problems:
        shown = len(r.problems)
        out += ["", f"## Problems ({r.problem_count:,} in all, {shown} listed)", ""]
        out += _table(
            ["severity", "rule", "line", "column", "field", "value", "message"],
            [
                [p.severity.value, p.rule, p.line, p.column, p.field, p.value, p.message]
                for p in r.problems
            ],
        )
        if r.problem_counts:
            out += [
                "",
                "Counts per rule: "
                + ", ".join(f"{rule} {n:,}" for rule, n in sorted(r.problem_counts.items())),
            ]
    if r.notes:
        out += ["", "## Notes", ""]
        out += [f"- {note}" for note in r.notes]
    out += ["", "## Column lineage", ""]
    out += _table(
        ["canonical field", "source columns", "transformations"],
        [
            [e.canonical_field, ", ".join(e.source_columns) or "-", " → ".join(e.transformations)]
            for e in lineage.fields
        ],
        limit=None,
    )
    out += ["", f"Duplicates: {lineage.dedupe}."]
    if lineage.unused_source_columns:
        out += ["", "Source columns not used: " + ", ".join(lineage.unused_source_columns)]
    if r.artifacts:
        out += ["", "## Artifacts", ""]
        out += [f"- `{Path(a).name}`" for a in r.artifacts]
    return "\n".join(out) + "\n"
