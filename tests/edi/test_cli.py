"""``shelfops edi import`` on a fresh Typer app: an imported interchange prints its
summary and writes the 997; a rejected one lists its problems and exits 1."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from shelfops.config import Settings
from shelfops.edi import cli
from tests.conftest import Tenant
from tests.edi.helpers import Sessions, example, make_catalog, segments, tables

# The command runs its own event loop (asyncio.run), so the tests invoke it in a thread.


@pytest.fixture
def app(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """A Typer app with only the EDI commands, on the test database."""
    monkeypatch.setattr(cli, "get_settings", lambda: migrated)
    app = typer.Typer()
    cli.register(app)
    return app


async def test_import_prints_a_summary_and_writes_the_997(
    app: typer.Typer, sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    ack = tmp_path / "ack.997"
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        [
            "edi",
            "import",
            str(example("810_invoice.x12")),
            "--source",
            "dairy-co",
            "--tenant",
            tenant_a.slug,
            "--ack-out",
            str(ack),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 records read, 2 rows written" in result.stdout
    assert "IN/810" in result.stdout
    document = segments(ack.read_text())
    assert [s for s in document if s[0] in ("AK1", "AK5")] == [["AK1", "IN", "810"], ["AK5", "A"]]
    assert (await tables(sessionmaker, tenant_a)).products["MILK"] == (0.85, 1.29)


async def test_a_rejected_import_lists_problems_and_exits_1(
    app: typer.Typer, sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    bad = tmp_path / "bad.x12"
    bad.write_text(example("810_invoice.x12").read_text().replace("BP*MILK", "BP*MILKY"))
    ack = tmp_path / "ack.997"
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        [
            *("edi", "import", str(bad), "--source", "dairy-co"),
            *("--tenant", tenant_a.slug, "--ack-out", str(ack)),
        ],
    )
    assert result.exit_code == 1
    assert "rejected bad.x12: 1 problem(s), nothing was written" in result.stderr
    assert "segment 7 (IT1)" in result.stderr and "IT107 = 'MILKY'" in result.stderr
    assert "AK5*R*5~" in ack.read_text()
    assert (await tables(sessionmaker, tenant_a)).products["MILK"] == (0.80, 1.29)


async def test_a_day_past_the_last_business_day_is_rejected_with_exit_1(
    app: typer.Typer, sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    before = await tables(sessionmaker, tenant_a)
    bad = tmp_path / "bad.x12"
    text = example("852_product_activity.x12").read_text()
    bad.write_text(text.replace("XQ*H*20260302", "XQ*H*99991231"))
    ack = tmp_path / "ack.997"
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        [
            *("edi", "import", str(bad), "--source", "dairy-co"),
            *("--tenant", tenant_a.slug, "--ack-out", str(ack)),
        ],
    )
    assert result.exit_code == 1
    assert "rejected bad.x12: 1 problem(s), nothing was written" in result.stderr
    assert (
        f"segment 4 (XQ) at offset {text.index('XQ*H')}, XQ02 = '99991231' [852/0001]: XQ02 "
        "(reporting period start) must be between 1971-01-01 and 2199-12-31"
    ) in result.stderr
    assert "AK4*2**8*99991231~" in ack.read_text()
    assert await tables(sessionmaker, tenant_a) == before


async def test_an_unknown_tenant_is_a_one_line_error(app: typer.Typer, tenant_a: Tenant) -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["edi", "import", str(example("810_invoice.x12")), "--source", "x", "--tenant", "nope"],
    )
    assert result.exit_code == 1
    assert "NotFound: no tenant with slug or id 'nope'" in result.stderr


async def test_an_unwritable_997_path_stops_the_command_before_anything_is_imported(
    app: typer.Typer, sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    ack = tmp_path / "no-such-folder" / "ack.997"
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        [
            *("edi", "import", str(example("810_invoice.x12")), "--source", "dairy-co"),
            *("--tenant", tenant_a.slug, "--ack-out", str(ack)),
        ],
    )
    assert result.exit_code == 2
    assert "--ack-out" in result.stderr and "not writable" in result.stderr
    assert not ack.parent.exists()
    # The invoice would have changed MILK's cost to 0.85: nothing was imported.
    assert (await tables(sessionmaker, tenant_a)).products["MILK"] == (0.80, 1.29)


@pytest.mark.parametrize("source", ["", "   ", "a\tb", "x" * 201])
async def test_a_source_name_follows_the_rule_for_names(
    app: typer.Typer, sessionmaker: Sessions, tenant_a: Tenant, source: str
) -> None:
    # The name is shown in the sync log and sync health; empty, control characters or
    # longer than the column used to be stored as given.
    await make_catalog(sessionmaker, tenant_a)
    before = await tables(sessionmaker, tenant_a)
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        [
            *("edi", "import", str(example("846_inventory_advice.x12")), "--source", source),
            *("--tenant", tenant_a.slug),
        ],
    )
    assert result.exit_code == 1
    assert "ValidationFailed: field=source" in result.stderr
    assert "no control characters" in result.stderr
    assert await tables(sessionmaker, tenant_a) == before
