"""What every ``shelfops`` command shares: the consoles, the ``--tenant`` option, and how
a deliberate error is shown (one line on stderr, exit code 1) instead of a traceback.

:class:`ShelfOpsGroup` is the ``shelfops`` app's command group: whatever a command (or a
sub-command such as ``edi import``) lets escape that is a deliberate error
(:class:`ShelfOpsError`) or a file that cannot be read or written (:class:`OSError`)
becomes one ``error`` line and exit code 1 there, so no command needs its own handler
for those.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from shelfops.kit.errors import ShelfOpsError

if TYPE_CHECKING:
    from typer._click.core import Context  # Typer vendors its own click; typing only

T = TypeVar("T")

# soft_wrap: keys, paths and curl lines must stay on one line to be copied, even piped.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

TenantOption = Annotated[
    str | None, typer.Option("--tenant", help="Tenant slug or id (default: the only tenant).")
]


def run_command(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``; a deliberate error becomes a short message and exit code 1.

    An error whose detail lists ``errors`` (an invalid contract profile, say) prints each
    on a line of its own, so a long list stays readable.
    """
    try:
        return asyncio.run(coro)
    except ShelfOpsError as exc:
        fail(exc)


def fail(exc: ShelfOpsError) -> NoReturn:
    """Print ``exc`` as an ``error`` line (its listed ``errors`` one a line) and exit 1."""
    detail: Any = exc.detail
    errors = detail.get("errors") if isinstance(detail, dict) else None
    if isinstance(errors, list):
        headline = str(detail.get("message", "")).split(": ", 1)[0]
        err_console.print(f"[red]error[/red] {exc.name}: {escape(headline)}")
        for error in errors:
            err_console.print(f"  {escape(str(error))}")
    else:
        err_console.print(f"[red]error[/red] {exc.name}: {escape(describe(detail))}")
    raise typer.Exit(1) from None


class ShelfOpsGroup(TyperGroup):
    """The ``shelfops`` group: errors escaping any command become one line, exit code 1.

    A broken pipe is left to click (which exits quietly when ``… | head`` stops reading).
    """

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except ShelfOpsError as exc:
            fail(exc)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            err_console.print(f"[red]error:[/red] {escape(describe_os_error(exc))}")
            raise typer.Exit(1) from None
        except ValidationError as exc:
            if exc.title != "Settings":  # a bug elsewhere: keep its traceback
                raise
            for line in describe_settings_error(exc):
                err_console.print(f"[red]error:[/red] {escape(line)}")
            raise typer.Exit(1) from None


def describe_os_error(exc: OSError) -> str:
    """``PATH: reason`` for a file operation that failed, as Unix tools print it (the
    user typed the path, so it says which option or argument is at fault)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return reason
    return f"{os.fsdecode(exc.filename)}: {reason}"


def describe_settings_error(exc: ValidationError) -> list[str]:
    """One line per invalid setting, named as its environment variable, without the
    value (which may be a URL with a password)."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        location = error["loc"]
        # A whole-model rule (production needs secrets) names its variables itself.
        lines.append(f"SHELFOPS_{str(location[0]).upper()}: {message}" if location else message)
    return lines


def output_path(*, directory: bool) -> Any:
    """A typer callback refusing, before the command runs, an output path that cannot be
    written: one of the wrong kind (a file for a folder or the reverse), or under a file."""

    def check(value: Path | None) -> Path | None:
        if value is None:
            return None
        if value.exists() and value.is_dir() != directory:
            expected = "a folder" if directory else "a file"
            raise typer.BadParameter(f"{value} exists and is not {expected}")
        parent = value.absolute().parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise typer.BadParameter(f"cannot write {value}: {parent} is not a folder")
        return value

    return check


def describe(detail: Any) -> str:
    """An error detail as one readable line (the message first, then the context)."""
    if isinstance(detail, list) and all(_is_field_problem(p) for p in detail):
        return "; ".join(f"{_field_name(p['location'])}: {p['message']}" for p in detail)
    if not isinstance(detail, dict):
        return str(detail)
    context = ", ".join(f"{k}={v}" for k, v in detail.items() if k != "message")
    message = str(detail.get("message", ""))
    return f"{message} ({context})" if message and context else message or context


def _is_field_problem(problem: Any) -> bool:
    return isinstance(problem, dict) and {"location", "message"} <= problem.keys()


def _field_name(location: list[str | int]) -> str:
    # On the command line there is no request body: ["body", "trigger"] is the trigger.
    parts = location[1:] if location and location[0] in ("body", "query", "path") else location
    return ".".join(str(part) for part in parts) or "input"
