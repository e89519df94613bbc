"""The ``shelfops credentials`` commands: a tenant's integration credentials.

``shelfops.cli`` calls :func:`register` to mount them::

    shelfops credentials set NAME --kind password|private_key [--tenant T]   # secret on stdin
    shelfops credentials list [--tenant T]
    shelfops credentials delete NAME [--tenant T]
    shelfops credentials rotate [--tenant T]

A secret is never a command-line argument (it would sit in the shell history and in
``ps``): ``set`` reads it from standard input when that is piped, or asks for a password
with a hidden, confirmed prompt.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shelfops.config import Settings, get_settings
from shelfops.integrations import credentials
from shelfops.integrations.cipher import CredentialUnreadable
from shelfops.integrations.schemas import CredentialKind, CredentialRead
from shelfops.kit.cli import TenantOption, console, err_console, run_command
from shelfops.kit.db import sessionmaker_scope, tenant_transaction
from shelfops.tenants import admin as tenant_admin

credentials_app = typer.Typer(
    help="A tenant's integration credentials (SFTP passwords and keys), encrypted at rest.",
    no_args_is_help=True,
)
NameArgument = Annotated[str, typer.Argument(help="The credential's name, as profiles name it.")]


def register(app: typer.Typer) -> None:
    """Mount the ``credentials`` commands on the ``shelfops`` command."""
    app.add_typer(credentials_app, name="credentials")


@credentials_app.command("set")
def set_command(
    name: NameArgument,
    kind: Annotated[CredentialKind, typer.Option("--kind", help="What the secret is.")],
    tenant: TenantOption = None,
) -> None:
    """Store (or replace) a credential; the secret is read from standard input.

    Pipe it (`shelfops credentials set acme-sftp --kind private_key < id_ed25519`), or
    type a password at the hidden prompt. Never pass a secret as an argument.
    """
    secret = _read_secret(kind)
    settings = get_settings()
    slug, stored = run_command(_set(settings, tenant, name=name, kind=kind, secret=secret))
    console.print(
        f"stored {stored.kind.value} credential [bold]{escape(stored.name)}[/bold] "
        f"for tenant {escape(slug)}"
    )


@credentials_app.command("list")
def list_command(tenant: TenantOption = None) -> None:
    """List a tenant's credentials: names, kinds, when and by whom — never secrets."""
    slug, rows = run_command(_list(get_settings(), tenant))
    if not rows:
        console.print(f"tenant {escape(slug)} has no integration credentials")
        return
    table = Table("name", "kind", "updated", "by", "created", "by")
    for row in rows:
        table.add_row(
            row.name,
            row.kind.value,
            row.updated_at.isoformat(timespec="seconds"),
            row.updated_by,
            row.created_at.isoformat(timespec="seconds"),
            row.created_by,
        )
    console.print(table)


@credentials_app.command("delete")
def delete_command(name: NameArgument, tenant: TenantOption = None) -> None:
    """Delete a credential (profiles still naming it fail their next poll)."""
    slug = run_command(_delete(get_settings(), tenant, name=name))
    console.print(f"deleted credential {escape(name)} of tenant {escape(slug)}")


@credentials_app.command("rotate")
def rotate_command(tenant: TenantOption = None) -> None:
    """Re-encrypt every stored credential with the current SHELFOPS_SECRET_KEY.

    Every tenant's, unless --tenant names one. Old ciphertexts are read with the current
    key or one of SHELFOPS_SECRET_KEY_PREVIOUS; once this succeeds the previous keys can
    be removed.
    """
    for slug, count in run_command(_rotate(get_settings(), tenant)):
        console.print(f"tenant {escape(slug)}: {count} credential(s) re-encrypted")


def _read_secret(kind: CredentialKind) -> str:
    if not sys.stdin.isatty():
        secret = sys.stdin.read()
        # A password piped with `echo` ends in a newline that is not part of it; a key
        # file's final newline is part of the PEM text and harmless.
        return secret.rstrip("\r\n") if kind is CredentialKind.PASSWORD else secret
    if kind is CredentialKind.PRIVATE_KEY:
        err_console.print(
            "[red]error[/red] pipe the private key on standard input, e.g. "
            "`shelfops credentials set NAME --kind private_key < key_file`"
        )
        raise typer.Exit(1)
    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return str(secret)


async def _set(
    settings: Settings, tenant_ref: str | None, *, name: str, kind: CredentialKind, secret: str
) -> tuple[str, CredentialRead]:
    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    async with (
        sessionmaker_scope(settings) as sessionmaker,
        tenant_transaction(sessionmaker, customer.customer_id) as session,
    ):
        stored = await credentials.put_credential(
            session, settings=settings, name=name, kind=kind, secret=secret, actor=None
        )
    return customer.slug, stored


async def _list(settings: Settings, tenant_ref: str | None) -> tuple[str, list[CredentialRead]]:
    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    async with (
        sessionmaker_scope(settings) as sessionmaker,
        tenant_transaction(sessionmaker, customer.customer_id) as session,
    ):
        return customer.slug, await credentials.list_credentials(session)


async def _delete(settings: Settings, tenant_ref: str | None, *, name: str) -> str:
    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    async with (
        sessionmaker_scope(settings) as sessionmaker,
        tenant_transaction(sessionmaker, customer.customer_id) as session,
    ):
        await credentials.delete_credential(session, name=name, actor=None)
    return customer.slug


async def _rotate(settings: Settings, tenant_ref: str | None) -> list[tuple[str, int]]:
    if tenant_ref is None:
        tenants = await tenant_admin.list_tenants(settings)
    else:
        tenants = [await tenant_admin.resolve_tenant(settings, tenant_ref)]
    done: list[tuple[str, int]] = []
    async with sessionmaker_scope(settings) as sessionmaker:
        # One transaction per tenant: row-level security binds each to its tenant.
        for customer in tenants:
            try:
                async with tenant_transaction(sessionmaker, customer.customer_id) as session:
                    count = await credentials.rotate(session, settings=settings)
            except CredentialUnreadable as exc:
                finished = ", ".join(f"{slug} ({n})" for slug, n in done) or "none"
                raise CredentialUnreadable(
                    f"tenant {customer.slug}: {exc.detail}; nothing of this tenant was "
                    f"changed (tenants already re-encrypted: {finished})"
                ) from None
            done.append((customer.slug, count))
    return done
