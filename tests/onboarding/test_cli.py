"""The ``onboard`` and ``profile`` commands, registered on a bare Typer app and run with
typer's CliRunner against the test database (the command builds its own engine, in a
thread of its own, as a CLI process would)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from shelfops.config import Settings, get_settings
from shelfops.onboarding.cli import register
from shelfops.onboarding.profiles import SCHEMA_FILE
from tests.conftest import Tenant
from tests.onboarding.helpers import (
    DAILY_PROFILE,
    DAILY_SAMPLE,
    EXAMPLES,
    POS_PROFILE,
    POS_SAMPLE,
    sales_by_code,
)


@pytest.fixture
def cli_env(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command's settings point at the test database."""
    monkeypatch.setenv("SHELFOPS_DATABASE_URL", migrated.resolved_database_url)
    monkeypatch.setenv("SHELFOPS_VAR_DIR", str(migrated.var_dir))
    monkeypatch.delenv("SHELFOPS_BROKER_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A stand-in for the shelfops app."""

    register(app)
    return app


def invoke(*args: str) -> Result:
    return CliRunner().invoke(_app(), list(args))


async def ainvoke(*args: str) -> Result:
    # The command runs its own event loop (asyncio.run), so it gets a thread of its own.
    return await asyncio.to_thread(invoke, *args)


async def test_onboard_dry_run_then_import(
    cli_env: None,
    shop: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    common = ["onboard", "--profile", str(POS_PROFILE), "--source", str(POS_SAMPLE)]
    dry = await ainvoke(*common, "--tenant", shop.slug, "--dry-run", "--report", str(tmp_path))
    assert dry.exit_code == 0, dry.output
    assert "validated corner_shop_pos_2025-03-08.csv with corner-shop-pos v1 (dry run" in dry.output
    assert (
        "records: 11 in, 0 canonical rows written, 2 not imported (return_dropped 1, duplicate 1)"
        in dry.output
    )
    assert "sales: 7 row(s) from 2025-03-07 to 2025-03-08" in dry.output
    assert (
        "[dropped] line 9, column 'receipt_id', value 'R1004': the same receipt_id/line_no"
        in dry.output
    )
    assert (tmp_path / "contract_validation_report.md").is_file()
    assert await sales_by_code(sessionmaker, shop.customer_id) == {}

    imported = await ainvoke(*common, "--tenant", shop.slug)
    assert imported.exit_code == 0, imported.output
    assert (
        "sales: 7 row(s) from 2025-03-07 to 2025-03-08: 7 inserted, 0 updated, 0 unchanged"
        in imported.output
    )
    assert len(await sales_by_code(sessionmaker, shop.customer_id)) == 7


async def test_onboard_a_rejected_file_exits_1_with_its_problems(
    cli_env: None, shop: Tenant, tmp_path: Path
) -> None:
    source = tmp_path / "summary.csv"
    # Declared cp1252 and semicolons, but this export came out comma separated.
    source.write_text("Datum,Filiale,Artikelnr\n01.03.2025,B1,P1001\n", encoding="cp1252")
    result = await ainvoke(
        "onboard", "--profile", str(DAILY_PROFILE), "--source", str(source), "--tenant", shop.slug
    )
    assert result.exit_code == 1
    assert "rejected summary.csv with filiale-tagesumsatz v2" in result.output
    assert "the file has only 2 line(s) but csv.header_line is 3" in result.output


async def test_onboard_refuses_a_profile_of_another_tenant(
    cli_env: None, shop: Tenant, tmp_path: Path
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(DAILY_PROFILE.read_text(encoding="utf-8") + "tenant: someone-else\n")
    result = await ainvoke(
        "onboard", "--profile", str(profile), "--source", str(DAILY_SAMPLE), "--tenant", shop.slug
    )
    assert result.exit_code == 1
    assert f"the profile is for tenant 'someone-else', not '{shop.slug}'" in result.output


def test_onboard_with_an_invalid_profile_lists_its_errors(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        POS_PROFILE.read_text(encoding="utf-8").replace("version: 1", "version: one")
    )
    result = invoke("onboard", "--profile", str(profile), "--source", str(POS_SAMPLE))
    assert result.exit_code == 1
    assert "the contract profile is invalid (1 problem(s))" in result.output
    assert "line 4: version: expected integer, got 'one'" in result.output


def test_profile_validate(tmp_path: Path) -> None:
    good = invoke("profile", "validate", str(POS_PROFILE))
    assert good.exit_code == 0
    assert (
        good.output.strip() == "valid: corner-shop-pos v1 (smb_csv, grain transaction_line) → sales"
    )
    edi = invoke("profile", "validate", str(EXAMPLES / "enterprise-edi-van.yaml"))
    assert edi.exit_code == 0
    assert (
        "valid: acme-edi-van v1 (enterprise_edi) → no canonical file, transport inbox" in edi.output
    )
    assert "onboarding a file stops with requires_custom_adapter" in edi.output

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "profile_id: x\nversion: 1\nsource_type: smb_csv\nfield_map: {sales: {qty: Q}}\n"
    )
    result = invoke("profile", "validate", str(bad))
    assert result.exit_code == 1
    assert f"invalid {bad}: 2 problem(s)" in result.output
    assert "(profile): missing required key 'source_name'" in result.output
    assert "line 4: field_map.sales.qty: unknown key 'qty'" in result.output


def test_profile_schema_prints_the_committed_schema() -> None:
    result = invoke("profile", "schema")
    assert result.exit_code == 0
    assert result.output == SCHEMA_FILE.read_text(encoding="utf-8")
    assert json.loads(result.output)["title"] == "ShelfOps contract profile"


def test_profile_validate_refuses_aliases_and_non_text_encodings(tmp_path: Path) -> None:
    looping = tmp_path / "looping.yaml"
    looping.write_text("profile_id: x\nversion: 1\na: &a [*a, *a]\n")
    result = invoke("profile", "validate", str(looping))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # not a RecursionError
    assert "line 3: YAML anchors and aliases are not allowed in a contract profile" in (
        result.output
    )
    rot13 = tmp_path / "rot13.yaml"
    rot13.write_text(
        POS_PROFILE.read_text(encoding="utf-8").replace("encoding: utf-8", "encoding: rot13")
    )
    result = invoke("profile", "validate", str(rot13))
    assert result.exit_code == 1
    assert "line 13: csv.encoding: 'rot13' is not a text encoding of files" in result.output


async def test_onboard_a_pos_file_with_a_void_and_a_free_line(
    cli_env: None, shop: Tenant, tmp_path: Path
) -> None:
    source = tmp_path / "pos.csv"
    source.write_text(
        "receipt_id,line_no,sold_at,store,sku,description,qty,list_price,line_total\n"
        "R1,1,2025-03-07T14:02:11Z,S1,p1001,Whole milk 1L,2,1.19,2.38\n"
        "R1,2,2025-03-07T14:03:00Z,S1,p1001,Whole milk 1L (void),0,1.19,0\n"
        "R1,3,2025-03-07T14:03:00Z,S1,p2001,Free bread,1,0,0\n"
    )
    result = await ainvoke(
        "onboard",
        "--profile",
        str(POS_PROFILE),
        "--source",
        str(source),
        "--tenant",
        shop.slug,
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert "records: 3 in, 0 canonical rows written, 1 not imported (zero_quantity 1)" in (
        result.output
    )
    assert "[dropped] line 3, column 'qty', value '0': a quantity of 0 adds no units" in (
        result.output
    )
