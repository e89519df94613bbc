"""What every ``shelfops`` command shares: the consoles, the ``--tenant`` option, and how
a deliberate error is shown (one line on stderr, exit code 1) instead of a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from shelfops.kit.errors import ShelfOpsError

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


def describe(detail: Any) -> str:
    """An error detail as one readable line (the message first, then the context)."""
    if not isinstance(detail, dict):
        return str(detail)
    context = ", ".join(f"{k}={v}" for k, v in detail.items() if k != "message")
    message = str(detail.get("message", ""))
    return f"{message} ({context})" if message and context else message or context
