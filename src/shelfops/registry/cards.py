"""``model_card.md`` of a version, from ``model_card_template.md`` (seed 001)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from string import Template
from typing import Any

from shelfops.models.base import utcnow

_TABLE_METRICS = (
    "mae",
    "wape",
    "mase",
    "coverage",
    "stockout_miss_rate",
    "overstock_rate",
    "overstock_value",
    "lost_sales",
)


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def comparison_table(columns: Mapping[str, Mapping[str, Any] | None]) -> str:
    """A markdown table: one row per metric, one column per scored version."""
    present = {name: m for name, m in columns.items() if m}
    header = "| metric | " + " | ".join(present) + " |"
    lines = [header, "|---" * (len(present) + 1) + "|"]
    for metric in _TABLE_METRICS:
        values = [_number(m.get(metric)) for m in present.values()]
        lines.append(f"| {metric} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def segment_table(segments: Mapping[str, Mapping[str, Any]]) -> str:
    """A markdown table of the candidate's backtest metrics per segment."""
    if not segments:
        return "No segment had evaluated points."
    lines = ["| segment | series | mae | wape | mase | coverage |", "|---|---|---|---|---|---|"]
    for name, m in sorted(segments.items()):
        cells = [_number(m.get(k)) for k in ("series", "mae", "wape", "mase", "coverage")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render(fields: Mapping[str, Any]) -> str:
    """Fill the template; every ``$name`` of the template must be in ``fields``."""
    text = resources.files("shelfops.registry").joinpath("model_card_template.md").read_text()
    values = {k: (v if isinstance(v, str) else _number(v)) for k, v in fields.items()}
    values.setdefault("generated_at", utcnow().strftime("%Y-%m-%d %H:%M UTC"))
    if "config" in fields:
        values["config_json"] = json.dumps(fields["config"], indent=2, sort_keys=True, default=str)
    return Template(text).substitute(values)
