"""Reading a profile's YAML text: the data, and where each value sits in the file.

Errors in a profile are reported with their YAML path *and* line, so the parser keeps
the node tree's line numbers. PyYAML silently keeps the last of two equal keys; a
profile mapping ``quantity`` twice would lose one mapping without a word, so duplicate
keys are an error here.

Anchors and aliases (``&name`` / ``*name``) are refused while the text is parsed, at the
first one, before anything is expanded: a profile has no use for them, and an alias that
refers to itself, or a few nested ones (a "billion laughs" file), would otherwise exhaust
the stack or the memory of whatever reads the profile (the CLI, the poller of
``var/contracts/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

PathKey = tuple[str | int, ...]


class YamlProblem(Exception):
    """The text is not a usable YAML document; ``messages`` name the lines."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class LineIndex:
    """The 1-based line of every key and value of a YAML document, by path."""

    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one (not the
        document's first line for a top-level key the file does not have)."""
        for end in range(len(path), 0 if path else -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that stops at the first anchor or alias event."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            what = f"alias *{anchor}" if isinstance(event, yaml.AliasEvent) else f"anchor &{anchor}"
            raise YamlProblem(
                [
                    f"line {event.start_mark.line + 1}: YAML anchors and aliases are not "
                    f"allowed in a contract profile (found {what}); write the value out in full"
                ]
            )
        return super().compose_node(parent, index)


def parse(text: str) -> tuple[Any, LineIndex]:
    """The document's data and its line index; raises :class:`YamlProblem`."""
    try:
        node = yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem([_marked(exc)]) from None
    except yaml.YAMLError as exc:
        raise YamlProblem([f"not valid YAML: {exc}"]) from None
    if node is None:
        raise YamlProblem(["the profile is empty"])
    index = LineIndex()
    duplicates: list[str] = []
    _walk(node, (), index, duplicates)
    if duplicates:
        raise YamlProblem(duplicates)
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:  # composing succeeded, so this is rare (tags)
        raise YamlProblem([_marked(exc)]) from None
    return data, index


def _marked(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    if mark is None:
        return f"not valid YAML: {problem}{context}"
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}{context}"


def _walk(node: yaml.Node, path: PathKey, index: LineIndex, duplicates: list[str]) -> None:
    index.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                where = ".".join(str(p) for p in (*path, key))
                duplicates.append(
                    f"line {line}: {where}: the key appears twice (first on line {seen[key]}); "
                    "YAML would silently keep only the last one"
                )
            seen[key] = line
            index.lines[(*path, key)] = line
            _walk(value_node, (*path, key), index, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _walk(item, (*path, position), index, duplicates)
