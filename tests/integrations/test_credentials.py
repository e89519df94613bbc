"""Integration credentials on both backends: encrypted at rest (the raw row is not the
secret), the admin-only API and its validation, tenant isolation (API, row-level
security, a copied ciphertext), key rotation and a wrong key, audit rows without
secrets, the ``shelfops credentials`` commands, and an SFTP poll of a real asyncssh server
logging in with a stored password or private key."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import typer
from pydantic import SecretStr, ValidationError
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from shelfops.config import Settings, get_settings
from shelfops.integrations import credentials
from shelfops.integrations.cipher import CredentialCipher, CredentialUnreadable
from shelfops.integrations.config import SftpTransport
from shelfops.integrations.credentials_cli import register
from shelfops.integrations.polling import poll_source
from shelfops.integrations.schemas import CredentialKind
from shelfops.kit.db import engine_scope, sessionmaker_scope, tenant_transaction
from shelfops.kit.logging import REDACTED, redact_secrets, redact_text
from shelfops.models import IntegrationCredential, IntegrationSyncLog, Role
from tests.conftest import Tenant
from tests.ingest.helpers import STORES
from tests.integrations.sftp_server import SftpServer, sftp_server
from tests.integrations.test_polling import Profile, canonical_import, outcomes, store_names

API = "/api/v1/integrations/credentials"
SECRET = "pw-" + uuid.uuid4().hex  # unique, so finding it anywhere is never a coincidence
Sessions = async_sessionmaker[AsyncSession]


def with_keys(settings: Settings, current: str, *previous: str) -> Settings:
    """``settings`` with another SHELFOPS_SECRET_KEY (and previous keys)."""
    return settings.model_copy(
        update={
            "secret_key": SecretStr(current),
            "secret_key_previous": SecretStr(",".join(previous)) if previous else None,
        }
    )


async def put(
    client: httpx.AsyncClient,
    tenant: Tenant,
    name: str,
    secret: str = SECRET,
    kind: str = "password",
    role: Role = Role.ADMIN,
) -> httpx.Response:
    """``PUT /integrations/credentials/{name}`` as ``role`` of ``tenant``."""
    return await client.put(
        f"{API}/{name}", json={"kind": kind, "secret": secret}, headers=tenant.headers(role)
    )


async def raw_row(settings: Settings, tenant: Tenant, name: str) -> dict[str, Any]:
    """The credential's row exactly as stored, read as the schema owner (no RLS)."""
    table = IntegrationCredential.__table__
    async with (
        engine_scope(settings, url=settings.resolved_migration_url, as_app_role=False) as engine,
        engine.connect() as connection,
    ):
        row = (
            (
                await connection.execute(
                    select(table).where(
                        table.c.customer_id == tenant.customer_id, table.c.name == name
                    )
                )
            )
            .mappings()
            .one()
        )
    return dict(row)


async def reveal(
    sessionmaker: Sessions, settings: Settings, tenant: Tenant, name: str, kind: str = "password"
) -> str:
    """The decrypted secret, through the service the poller uses."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        return await credentials.reveal(
            session, settings=settings, name=name, kind=CredentialKind(kind)
        )


async def audit_rows(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    """The tenant's credential audit rows, oldest first."""
    response = await client.get(
        "/api/v1/audit-log",
        params={"resource_type": "integration_credential", "limit": 500},
        headers=tenant.headers(),
    )
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["items"]))


# ---------------------------------------------------------------------------------------
# At rest, round trip, API shape
# ---------------------------------------------------------------------------------------


async def test_the_database_holds_a_ciphertext_and_the_api_never_returns_the_secret(
    client: httpx.AsyncClient, migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    response = await put(client, tenant_a, "acme-sftp")
    assert response.status_code == 200, response.text
    body = response.json()
    assert SECRET not in response.text
    assert (body["name"], body["kind"]) == ("acme-sftp", "password")
    assert body["created_by"] == body["updated_by"] == "admin key"

    row = await raw_row(migrated, tenant_a, "acme-sftp")
    assert all(SECRET not in str(value) for value in row.values()), row
    # A Fernet token (version byte 0x80, URL-safe base64), not an encoding of the secret.
    assert row["ciphertext"].startswith("gAAAAA")
    assert await reveal(sessionmaker, migrated, tenant_a, "acme-sftp") == SECRET

    listed = await client.get(API, headers=tenant_a.headers())
    assert listed.status_code == 200
    assert [c["name"] for c in listed.json()] == ["acme-sftp"]
    assert SECRET not in listed.text
    assert "ciphertext" not in listed.text


async def test_put_replaces_and_delete_removes(
    client: httpx.AsyncClient, migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    first = (await put(client, tenant_a, "dc.partner_1", "first-secret")).json()
    replaced = await client.put(
        f"{API}/dc.partner_1",
        json={"kind": "password", "secret": "second-secret"},
        headers=tenant_a.headers(),
    )
    assert replaced.status_code == 200
    assert replaced.json()["created_at"] == first["created_at"]
    assert replaced.json()["updated_at"] >= first["updated_at"]
    assert await reveal(sessionmaker, migrated, tenant_a, "dc.partner_1") == "second-secret"

    deleted = await client.delete(f"{API}/dc.partner_1", headers=tenant_a.headers())
    assert deleted.status_code == 204
    assert (await client.get(API, headers=tenant_a.headers())).json() == []
    again = await client.delete(f"{API}/dc.partner_1", headers=tenant_a.headers())
    assert again.status_code == 404
    assert "dc.partner_1" in again.text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PLANNER, Role.ML_MANAGER])
async def test_only_admins_manage_credentials(
    client: httpx.AsyncClient, tenant_a: Tenant, role: Role
) -> None:
    assert (await put(client, tenant_a, "kept")).status_code == 200
    assert (await put(client, tenant_a, "kept", "other", role=role)).status_code == 403
    assert (await client.get(API, headers=tenant_a.headers(role))).status_code == 403
    assert (await client.delete(f"{API}/kept", headers=tenant_a.headers(role))).status_code == 403
    assert (await client.get(API)).status_code == 401
    assert [c["name"] for c in (await client.get(API, headers=tenant_a.headers())).json()] == [
        "kept"
    ]


@pytest.mark.parametrize(
    ("name", "body", "location"),
    [
        ("Bad-Name", {"kind": "password", "secret": "x"}, ["path", "name"]),
        ("-leading", {"kind": "password", "secret": "x"}, ["path", "name"]),
        ("a" * 65, {"kind": "password", "secret": "x"}, ["path", "name"]),
        ("ok", {"kind": "password", "secret": ""}, ["body", "secret"]),
        ("ok", {"kind": "password", "secret": "x" * 16_385}, ["body", "secret"]),
        ("ok", {"kind": "token", "secret": "x"}, ["body", "kind"]),
        ("ok", {"secret": "x"}, ["body", "kind"]),
        ("ok", {"kind": "password", "secret": "x", "note": "y"}, ["body", "note"]),
    ],
)
async def test_bad_input_is_422_naming_the_field(
    client: httpx.AsyncClient, tenant_a: Tenant, name: str, body: dict[str, Any], location: Any
) -> None:
    response = await client.put(f"{API}/{name}", json=body, headers=tenant_a.headers())
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationFailed"
    assert location in [problem["location"] for problem in response.json()["detail"]]
    assert (await client.get(API, headers=tenant_a.headers())).json() == []


async def test_blank_nul_and_unusable_secrets_are_refused_without_echoing_them(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    blank = await put(client, tenant_a, "blank", "   ")
    assert blank.status_code == 422
    assert blank.json()["detail"][0]["location"] == ["body", "secret"]

    nul = await put(client, tenant_a, "nul", "pass\x00word")
    assert nul.status_code == 422
    assert "pass" not in nul.text

    not_a_key = await put(client, tenant_a, "key", "not-a-key-" + SECRET, kind="private_key")
    assert not_a_key.status_code == 422
    assert not_a_key.json()["detail"][0]["location"] == ["body", "secret"]
    assert SECRET not in not_a_key.text
    assert (await client.get(API, headers=tenant_a.headers())).json() == []


async def test_a_secret_that_is_not_utf8_text_is_422_not_500(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    # JSON may escape a lone surrogate; it cannot be encoded, so it cannot be encrypted.
    response = await client.put(
        f"{API}/surrogate",
        content=b'{"kind": "password", "secret": "ok\\ud800"}',
        headers={**tenant_a.headers(Role.ADMIN), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "location": ["body", "secret"],
            "message": "the secret is not valid UTF-8 text",
            "type": "value_error",
        }
    ]
    assert (await client.get(API, headers=tenant_a.headers())).json() == []


async def test_every_write_is_audited_without_the_secret(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    await put(client, tenant_a, "audited", "secret-one-" + SECRET)
    await put(client, tenant_a, "audited", "secret-two-" + SECRET)
    await client.delete(f"{API}/audited", headers=tenant_a.headers())

    rows = await audit_rows(client, tenant_a)
    assert [(r["action"], r["resource_id"], r["actor"]) for r in rows] == [
        ("credential.create", "audited", "admin key"),
        ("credential.replace", "audited", "admin key"),
        ("credential.delete", "audited", "admin key"),
    ]
    assert rows[0]["before"] is None and rows[2]["after"] is None
    assert rows[1]["after"]["kind"] == "password"
    assert set(rows[1]["after"]) == {
        "name",
        "kind",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    }
    assert SECRET not in json.dumps(rows)


# ---------------------------------------------------------------------------------------
# Tenant isolation
# ---------------------------------------------------------------------------------------


async def test_tenant_b_can_neither_see_nor_use_tenant_a_credential(
    client: httpx.AsyncClient,
    migrated: Settings,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    await put(client, tenant_a, "shared-name")
    assert (await client.get(API, headers=tenant_b.headers())).json() == []
    assert (
        await client.delete(f"{API}/shared-name", headers=tenant_b.headers())
    ).status_code == 404
    with pytest.raises(credentials.CredentialMissing):
        await reveal(sessionmaker, migrated, tenant_b, "shared-name")

    # B stores its own under the same name; then A's ciphertext is copied over B's row
    # (as a database administrator could): it decrypts, but is refused as A's.
    await put(client, tenant_b, "shared-name", "tenant-b-secret")
    stolen = (await raw_row(migrated, tenant_a, "shared-name"))["ciphertext"]
    async with (
        engine_scope(migrated, url=migrated.resolved_migration_url, as_app_role=False) as engine,
        engine.begin() as connection,
    ):
        await connection.execute(
            update(IntegrationCredential)
            .where(
                IntegrationCredential.customer_id == tenant_b.customer_id,
                IntegrationCredential.name == "shared-name",
            )
            .values(ciphertext=stolen)
        )
    with pytest.raises(CredentialUnreadable) as refused:
        await reveal(sessionmaker, migrated, tenant_b, "shared-name")
    assert "'shared-name' was not encrypted for this tenant" in str(refused.value.detail)
    assert SECRET not in str(refused.value.detail)
    assert await reveal(sessionmaker, migrated, tenant_a, "shared-name") == SECRET


def test_a_ciphertext_is_bound_to_its_name_too(migrated: Settings) -> None:
    cipher = CredentialCipher.from_settings(migrated)
    tenant = uuid.uuid4()
    token = cipher.encrypt(customer_id=tenant, name="one", secret=SECRET)
    assert cipher.decrypt(customer_id=tenant, name="one", token=token) == SECRET
    with pytest.raises(CredentialUnreadable, match="'two' was not encrypted for this tenant"):
        cipher.decrypt(customer_id=tenant, name="two", token=token)


async def test_row_level_security_hides_another_tenants_credentials(
    client: httpx.AsyncClient, migrated: Settings, backend: str, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    if backend != "postgres":
        pytest.skip("row-level security exists only on PostgreSQL")
    await put(client, tenant_a, "rls-probe")
    url = make_url(migrated.resolved_database_url)
    dsn = f"postgresql://{migrated.db_app_role}@{url.host}:{url.port or 5432}/{url.database}"
    a, b = str(tenant_a.customer_id), str(tenant_b.customer_id)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM integration_credentials").fetchone() == (0,)
        conn.execute("SELECT set_config('app.current_customer_id', %s, false)", (b,))
        assert conn.execute(
            "SELECT count(*) FROM integration_credentials WHERE customer_id = %s", (a,)
        ).fetchone() == (0,)
        assert (
            conn.execute(
                "UPDATE integration_credentials SET ciphertext = 'x' WHERE customer_id = %s",
                (a,),
            ).rowcount
            == 0
        )
        conn.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO integration_credentials (credential_id, customer_id, name, kind,"
                " ciphertext, created_by, updated_by) VALUES (%s, %s, 'evil', 'password',"
                " 'x', 'b', 'b')",
                (str(uuid.uuid4()), a),
            )


# ---------------------------------------------------------------------------------------
# Keys: rotation, wrong key
# ---------------------------------------------------------------------------------------


async def _store(
    sessionmaker: Sessions, settings: Settings, tenant: Tenant, name: str, secret: str
) -> None:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        await credentials.put_credential(
            session,
            settings=settings,
            name=name,
            kind=CredentialKind.PASSWORD,
            secret=secret,
            actor=None,
        )


async def test_rotation_keeps_old_ciphertexts_readable_then_reencrypts_them(
    migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    old = with_keys(migrated, "old-key-" + uuid.uuid4().hex)
    assert old.resolved_secret_key != migrated.resolved_secret_key
    await _store(sessionmaker, old, tenant_a, "rotating", SECRET)
    before = await raw_row(migrated, tenant_a, "rotating")

    new_only = with_keys(migrated, "new-key-" + uuid.uuid4().hex)
    rotating = with_keys(migrated, new_only.resolved_secret_key, old.resolved_secret_key)
    with pytest.raises(CredentialUnreadable):
        await reveal(sessionmaker, new_only, tenant_a, "rotating")
    # With the old key listed as previous, the old ciphertext still decrypts.
    assert await reveal(sessionmaker, rotating, tenant_a, "rotating") == SECRET

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        assert await credentials.rotate(session, settings=rotating) == 1
    after = await raw_row(migrated, tenant_a, "rotating")
    assert after["ciphertext"] != before["ciphertext"]
    assert after["updated_at"] == before["updated_at"]  # the secret itself did not change
    # Re-encrypted with the new key: readable without the old one, no longer with it only.
    assert await reveal(sessionmaker, new_only, tenant_a, "rotating") == SECRET
    with pytest.raises(CredentialUnreadable):
        await reveal(sessionmaker, old, tenant_a, "rotating")


async def test_a_wrong_key_names_the_credential_never_the_secret(
    migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await _store(sessionmaker, migrated, tenant_a, "partner-pw", SECRET)
    wrong = with_keys(migrated, "not-the-key")
    with pytest.raises(CredentialUnreadable) as raised:
        await reveal(sessionmaker, wrong, tenant_a, "partner-pw")
    message = str(raised.value.detail)
    assert "credential 'partner-pw' cannot be decrypted" in message
    assert "SHELFOPS_SECRET_KEY" in message
    assert SECRET not in message
    # Rotation stops at such a credential, naming it, and changes nothing.
    before = await raw_row(migrated, tenant_a, "partner-pw")
    with pytest.raises(CredentialUnreadable, match="'partner-pw'"):
        async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
            await credentials.rotate(session, settings=wrong)
    assert await raw_row(migrated, tenant_a, "partner-pw") == before


def test_the_fernet_key_depends_on_the_secret_key(migrated: Settings) -> None:
    tenant = uuid.uuid4()
    token = CredentialCipher.from_settings(with_keys(migrated, "k1")).encrypt(
        customer_id=tenant, name="n", secret="s"
    )
    assert (
        CredentialCipher.from_settings(with_keys(migrated, "k1")).decrypt(
            customer_id=tenant, name="n", token=token
        )
        == "s"
    )
    with pytest.raises(CredentialUnreadable):
        CredentialCipher.from_settings(with_keys(migrated, "k2")).decrypt(
            customer_id=tenant, name="n", token=token
        )


# ---------------------------------------------------------------------------------------
# Profiles and logs
# ---------------------------------------------------------------------------------------


def test_an_sftp_transport_names_stored_credentials(tmp_path: Path) -> None:
    base = {"host": "h", "username": "u", "known_hosts": tmp_path / "kh"}
    transport = SftpTransport.model_validate({**base, "password_credential": "acme-sftp"})
    assert transport.stored_credentials == {"password": "acme-sftp"}
    both = SftpTransport.model_validate(
        {**base, "password_credential": "pw", "private_key_credential": "key"}
    )
    assert both.stored_credentials == {"password": "pw", "private_key": "key"}
    with pytest.raises(ValidationError, match="alternatives"):
        SftpTransport.model_validate({**base, "password_env": "X", "password_credential": "pw"})
    with pytest.raises(ValidationError, match="password_credential"):
        SftpTransport.model_validate({**base, "password_credential": "Not Valid"})
    with pytest.raises(ValidationError, match="needs private_key, private_key_credential"):
        SftpTransport.model_validate(base)


def test_logs_redact_credential_fields_and_private_keys() -> None:
    event = redact_secrets(
        None,
        "info",
        {
            "event": "stored",
            "secret": SECRET,
            "ciphertext": "gAAAAA-token",
            "private_key": "key text",
            "body": {"kind": "password", "secret": SECRET},
        },
    )
    assert event["secret"] == event["ciphertext"] == event["private_key"] == REDACTED
    assert event["body"] == {"kind": "password", "secret": REDACTED}
    pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----"
    assert redact_text(f"bad key {pem} here") == (
        f"bad key -----BEGIN OPENSSH PRIVATE KEY----- {REDACTED} here"
    )


# ---------------------------------------------------------------------------------------
# SFTP polling with stored credentials
# ---------------------------------------------------------------------------------------


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    """A real SFTP server accepting SECRET as password, and its generated client key."""
    root, keys = tmp_path / "remote", tmp_path / "keys"
    (root / "outbox").mkdir(parents=True)
    keys.mkdir()
    async with sftp_server(root, keys, password=SECRET) as running:
        yield running


def stored_profile(server: SftpServer, tmp_path: Path, **credential: str) -> Profile:
    """An SFTP profile for the test server that logs in with stored credentials only."""
    return Profile(
        "acme-sftp",
        SftpTransport(
            host=server.host,
            port=server.port,
            username=server.username,
            known_hosts=server.known_hosts(tmp_path / "known_hosts"),
            remote_dir="outbox",
            pattern="*.csv",
            **credential,
        ),
        source_type="enterprise_sftp",
    )


async def _poll(
    sessionmaker: Sessions, settings: Settings, tenant: Tenant, profile: Profile
) -> Any:
    return await poll_source(
        sessionmaker,
        settings,
        customer_id=tenant.customer_id,
        profile=profile,
        handler=canonical_import,
    )


async def test_sftp_poll_logs_in_with_a_stored_password(
    client: httpx.AsyncClient,
    migrated: Settings,
    sessionmaker: Sessions,
    server: SftpServer,
    tenant_a: Tenant,
    tenant_b: Tenant,
    tmp_path: Path,
) -> None:
    (server.root / "outbox" / "stores.csv").write_text(STORES, encoding="utf-8")
    profile = stored_profile(server, tmp_path, password_credential="acme-sftp")
    assert (await put(client, tenant_a, "acme-sftp")).status_code == 200

    report = await _poll(sessionmaker, migrated, tenant_a, profile)
    assert report.error is None, report.error
    assert outcomes(report) == [("stores.csv", "imported")]
    assert "S1" in await store_names(sessionmaker, tenant_a)

    # Tenant B names the same credential: it has none, so its poll stops, naming it.
    refused = await _poll(sessionmaker, migrated, tenant_b, profile)
    assert refused.problem == "credential_missing"
    assert refused.error is not None
    assert "the password credential 'acme-sftp' is not stored" in refused.error
    assert "password_credential of source 'acme-sftp'" in refused.error
    async with tenant_transaction(sessionmaker, tenant_b.customer_id) as session:
        [log] = (
            await session.scalars(
                select(IntegrationSyncLog).where(
                    IntegrationSyncLog.customer_id == tenant_b.customer_id
                )
            )
        ).all()
    assert (log.sync_status, log.error_message) == ("failed", refused.error)
    assert await store_names(sessionmaker, tenant_b) == {}

    # A wrong stored password: authentication fails, naming the credential, not the secret.
    await put(client, tenant_a, "acme-sftp", "wrong-" + SECRET)
    wrong = await _poll(sessionmaker, migrated, tenant_a, profile)
    assert wrong.problem == "auth_failed"
    assert wrong.error is not None
    assert "offered: password from credential acme-sftp" in wrong.error
    assert SECRET not in wrong.error

    # Unreadable under another key: a sync error naming the credential.
    unreadable = await _poll(sessionmaker, with_keys(migrated, "another-key"), tenant_a, profile)
    assert unreadable.problem == "credential_unreadable"
    assert unreadable.error is not None
    assert "credential 'acme-sftp' cannot be decrypted" in unreadable.error


async def test_sftp_poll_logs_in_with_a_stored_private_key(
    client: httpx.AsyncClient,
    migrated: Settings,
    sessionmaker: Sessions,
    server: SftpServer,
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    (server.root / "outbox" / "stores.csv").write_text(STORES, encoding="utf-8")
    key_text = server.client_key_path.read_text(encoding="utf-8")
    response = await put(client, tenant_a, "acme-key", key_text, kind="private_key")
    assert response.status_code == 200, response.text
    assert "PRIVATE KEY" not in response.text
    profile = stored_profile(server, tmp_path, private_key_credential="acme-key")

    report = await _poll(sessionmaker, migrated, tenant_a, profile)
    assert report.error is None, report.error
    assert outcomes(report) == [("stores.csv", "imported")]
    row = await raw_row(migrated, tenant_a, "acme-key")
    assert "PRIVATE KEY" not in row["ciphertext"]


# ---------------------------------------------------------------------------------------
# shelfops credentials
# ---------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings a ``shelfops`` process would read: this test database."""
    monkeypatch.setenv("SHELFOPS_DATABASE_URL", migrated.resolved_database_url)
    monkeypatch.setenv("SHELFOPS_VAR_DIR", str(migrated.var_dir))
    for name in ("SHELFOPS_SECRET_KEY", "SHELFOPS_SECRET_KEY_PREVIOUS", "SHELFOPS_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def credentials_cli() -> typer.Typer:
    """A fresh command with only the ``credentials`` commands mounted."""
    app = typer.Typer()
    register(app)
    return app


def test_cli_sets_lists_and_rotates_without_showing_the_secret(
    cli_env: None,
    migrated: Settings,
    tenant_a: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    stored = runner.invoke(
        credentials_cli(),
        ["credentials", "set", "cli-pw", "--kind", "password", "--tenant", tenant_a.slug],
        input=SECRET + "\n",
    )
    assert stored.exit_code == 0, stored.output
    assert f"stored password credential cli-pw for tenant {tenant_a.slug}" in stored.stdout
    assert SECRET not in stored.output

    listed = runner.invoke(credentials_cli(), ["credentials", "list", "--tenant", tenant_a.slug])
    assert listed.exit_code == 0, listed.output
    assert "cli-pw" in listed.stdout and "password" in listed.stdout and "cli" in listed.stdout
    assert SECRET not in listed.output

    bad = runner.invoke(
        credentials_cli(),
        ["credentials", "set", "Bad Name", "--kind", "password", "--tenant", tenant_a.slug],
        input="x",
    )
    assert bad.exit_code == 1
    assert "error ValidationFailed" in bad.stderr and "field=name" in bad.stderr

    # Rotate: the old (default) key becomes previous, a new one is current.
    old_key = migrated.resolved_secret_key
    monkeypatch.setenv("SHELFOPS_SECRET_KEY", "rotated-" + uuid.uuid4().hex)
    monkeypatch.setenv("SHELFOPS_SECRET_KEY_PREVIOUS", old_key)
    get_settings.cache_clear()
    rotated = runner.invoke(credentials_cli(), ["credentials", "rotate", "--tenant", tenant_a.slug])
    assert rotated.exit_code == 0, rotated.output
    assert f"tenant {tenant_a.slug}: 1 credential(s) re-encrypted" in rotated.stdout

    # Re-encrypted: the new key alone reads it now.
    monkeypatch.delenv("SHELFOPS_SECRET_KEY_PREVIOUS")
    get_settings.cache_clear()
    assert asyncio.run(_reveal_in_new_process(get_settings(), tenant_a, "cli-pw")) == SECRET


async def _reveal_in_new_process(settings: Settings, tenant: Tenant, name: str) -> str:
    # Its own engine, as another `shelfops` process would have (this test is not async).
    async with sessionmaker_scope(settings) as sessionmaker:
        return await reveal(sessionmaker, settings, tenant, name)


async def test_the_same_credential_written_and_deleted_at_once_stays_consistent(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    # Ten PUTs of a new name each found no row and inserted one: 500s on the unique key.
    puts = await asyncio.gather(*(put(client, tenant_a, "erp", f"{SECRET}-{i}") for i in range(10)))
    assert [p.status_code for p in puts] == [200] * 10
    listed = (await client.get(API, headers=tenant_a.headers())).json()
    assert [c["name"] for c in listed] == ["erp"]
    # Five DELETEs: one removes it (and is audited), the others find nothing.
    deletes = await asyncio.gather(
        *(client.delete(f"{API}/erp", headers=tenant_a.headers()) for _ in range(5))
    )
    assert sorted(d.status_code for d in deletes) == [204] + [404] * 4
    audit = await client.get(
        "/api/v1/audit-log", params={"action": "credential.delete"}, headers=tenant_a.headers()
    )
    assert audit.json()["total"] == 1
