"""Sync health: freshness against SLAs worked out by hand, the sync-log queries, the
``/integrations/sync-health`` and ``/integrations/sync-log`` routes (auth, tenant
isolation, shape), and the SLA alert (raise, refresh, resolve, never duplicate, a
dismissal silences its outage only)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Environment, Settings
from shelfops.integrations import health
from shelfops.integrations.health import ConfiguredSource, SourceActivity
from shelfops.integrations.schemas import Freshness, OverallStatus, SyncCounts, SyncStatus
from shelfops.kit.db import tenant_transaction
from shelfops.models import Alert, IntegrationSyncLog, Role
from shelfops.models.base import utcnow
from tests.conftest import Tenant

Sessions = async_sessionmaker[AsyncSession]
API = "/api/v1/integrations"
NOW = dt.datetime(2025, 6, 10, 12, 0, tzinfo=dt.UTC)
DEFAULTS = Settings(env=Environment.TEST)  # POS 1 h, files 48 h, events 2 h


def _seen(name: str, kind: str, last_success: dt.datetime | None) -> SourceActivity:
    return SourceActivity(name, kind, last_success_at=last_success)


# --- the pure computation --------------------------------------------------------------------


def test_freshness_of_configured_and_logged_sources_worked_by_hand() -> None:
    configured = [
        ConfiguredSource("pos-daily", "smb_csv"),  # default SLA 1 h
        ConfiguredSource("pos-events", "enterprise_event", sla_hours=0.5),  # profile SLA
        ConfiguredSource("sftp-new", "smb_sftp"),  # never ran
        ConfiguredSource("edi-acme", "enterprise_edi"),  # default 48 h
    ]
    activity = [
        _seen("pos-daily", "smb_csv", NOW - dt.timedelta(minutes=30)),  # 0.5 h ≤ 1
        _seen("pos-events", "enterprise_event", NOW - dt.timedelta(hours=1)),  # 1 h > 0.5
        _seen("edi-acme", "enterprise_edi", dt.datetime(2025, 6, 8, 10, 0, tzinfo=dt.UTC)),
        _seen("sales.csv", "csv", NOW - dt.timedelta(hours=2, minutes=30)),  # log only, 1 h
        _seen("legacy", "ftp_drop", NOW - dt.timedelta(hours=24)),  # unknown type: 48 h
    ]

    sources = health.assess(configured, activity, settings=DEFAULTS, now=NOW)

    table = [
        (s.source_name, s.status, s.sla_hours, s.sla_origin.value, s.freshness_hours)
        for s in sources
    ]
    # Breached first, most overdue first (edi 50 h − 48 = 2.0; sales.csv 2.5 − 1 = 1.5;
    # events 1 − 0.5 = 0.5), then never synced, then ok by name.
    assert table == [
        ("edi-acme", Freshness.BREACHED, 48.0, "default", 50.0),
        ("sales.csv", Freshness.BREACHED, 1.0, "default", 2.5),
        ("pos-events", Freshness.BREACHED, 0.5, "profile", 1.0),
        ("sftp-new", Freshness.NEVER_SYNCED, 48.0, "default", None),
        ("legacy", Freshness.OK, 48.0, "default", 24.0),
        ("pos-daily", Freshness.OK, 1.0, "default", 0.5),
    ]
    assert [s.hours_over_sla for s in sources] == [2.0, 1.5, 0.5, None, None, None]
    assert [s.configured for s in sources] == [True, False, True, True, False, True]
    # Up to twice the SLA is a warning, beyond it critical (events: exactly 2 × 0.5 h).
    assert [health.breach_severity(s).value for s in sources[:3]] == [
        "warning",
        "critical",
        "warning",
    ]
    assert health.overall_status(sources) is OverallStatus.BREACHED


def test_sla_defaults_come_from_settings_and_the_boundary_is_still_fresh() -> None:
    settings = Settings(
        env=Environment.TEST, sla_pos_hours=3, sla_file_hours=10, sla_event_hours=0.25
    )
    activity = [
        _seen("pos", "smb_csv", NOW - dt.timedelta(hours=3)),  # exactly the SLA: ok
        _seen("drop", "enterprise_sftp", NOW - dt.timedelta(hours=10, seconds=36)),  # 10.01 h
        _seen("stream", "enterprise_event", NOW - dt.timedelta(minutes=15)),
    ]

    by_name = {s.source_name: s for s in health.assess([], activity, settings=settings, now=NOW)}

    assert (by_name["pos"].status, by_name["pos"].sla_hours) == (Freshness.OK, 3.0)
    assert (by_name["drop"].status, by_name["drop"].sla_hours) == (Freshness.BREACHED, 10.0)
    assert by_name["drop"].hours_over_sla == pytest.approx(0.01)
    assert (by_name["stream"].status, by_name["stream"].sla_hours) == (Freshness.OK, 0.25)


def test_a_profile_sla_applies_to_its_own_source_type_only() -> None:
    configured = [ConfiguredSource("pos", "smb_sftp", sla_hours=6)]
    activity = [
        _seen("pos", "smb_sftp", NOW - dt.timedelta(hours=5)),
        _seen("pos", "csv", NOW - dt.timedelta(hours=5)),  # a manual upload of that name
    ]

    sources = health.assess(configured, activity, settings=DEFAULTS, now=NOW)

    assert [(s.integration_type, s.status, s.sla_hours) for s in sources] == [
        ("csv", Freshness.BREACHED, 1.0),
        ("smb_sftp", Freshness.OK, 6.0),
    ]


def test_overall_status_is_the_worst_source() -> None:
    fresh = health.assess([], [_seen("a", "csv", NOW)], settings=DEFAULTS, now=NOW)
    waiting = health.assess(
        [ConfiguredSource("b", "smb_sftp")],
        [_seen("a", "csv", NOW)],
        settings=DEFAULTS,
        now=NOW,
    )
    assert health.overall_status([]) is OverallStatus.NO_SOURCES
    assert health.overall_status(fresh) is OverallStatus.OK
    assert health.overall_status(waiting) is OverallStatus.NEVER_SYNCED


def test_alert_keys_fit_their_column_and_stay_distinct() -> None:
    assert health.sla_dedupe_key("pos-daily") == "sync_sla:pos-daily"
    long_a, long_b = "x" * 199 + "a", "x" * 199 + "b"
    key_a, key_b = health.sla_dedupe_key(long_a), health.sla_dedupe_key(long_b)
    assert len(key_a) == len(key_b) == 200
    assert key_a != key_b and key_a.startswith("sync_sla:xxx")


# --- the log queries ---------------------------------------------------------------------------


async def add_run(
    sessions: Sessions,
    tenant: Tenant,
    name: str,
    status: str,
    *,
    started: dt.datetime,
    minutes: float | None = 1,
    received: int = 0,
    synced: int = 0,
    kind: str = "smb_csv",
    error: str | None = None,
) -> uuid.UUID:
    """One ``integration_sync_log`` row; ``minutes=None`` leaves it without an end."""
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        row = IntegrationSyncLog(
            customer_id=tenant.customer_id,
            integration_type=kind,
            integration_name=name,
            sync_type="file",
            sync_status=status,
            records_received=received,
            records_synced=synced,
            started_at=started,
            completed_at=started + dt.timedelta(minutes=minutes) if minutes is not None else None,
            error_message=error,
            sync_metadata={"file": f"{name}.csv"},
        )
        session.add(row)
        await session.flush()
        return row.sync_id


async def test_activity_and_24h_counts_from_the_log_worked_by_hand(
    sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    now = utcnow().replace(microsecond=0)
    hours = dt.timedelta(hours=1)
    # Outside the 24 h window, but still the source's history.
    await add_run(
        sessionmaker, tenant_a, "pos", "success", started=now - 30 * hours, received=100, synced=100
    )
    await add_run(
        sessionmaker,
        tenant_a,
        "pos",
        "success",
        started=now - 5 * hours,
        minutes=2,
        received=40,
        synced=40,
    )
    await add_run(
        sessionmaker,
        tenant_a,
        "pos",
        "rejected",
        started=now - 3 * hours,
        received=10,
        error="bad dates",
    )
    # A poll that found nothing: succeeded, but no data arrived, so not "fresh".
    await add_run(sessionmaker, tenant_a, "pos", "success", started=now - hours)
    await add_run(sessionmaker, tenant_a, "pos", "failed", started=now - hours / 2, error="boom")
    # Still running: its records are not counted as rejected.
    await add_run(
        sessionmaker, tenant_a, "pos", "running", started=now - hours / 12, minutes=None, received=5
    )
    # Another tenant's run of a source with the same name, more recent and successful.
    await add_run(
        sessionmaker, tenant_b, "pos", "success", started=now - hours / 6, received=9, synced=9
    )

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        report = await health.sync_health(session, settings=DEFAULTS, configured=[], now=now)

    [source] = report.sources
    assert source.source_name == "pos" and source.integration_type == "smb_csv"
    assert source.last_success_at == now - 5 * hours + dt.timedelta(minutes=2)
    assert source.freshness_hours == pytest.approx(5 - 2 / 60)
    assert source.status is Freshness.BREACHED and report.status is OverallStatus.BREACHED
    assert (source.last_run_status, source.last_run_at) == (
        SyncStatus.RUNNING,
        now - hours / 12,
    )
    assert (source.last_error, source.last_error_at) == ("boom", now - hours / 2)
    # Runs since now − 24 h: 40 + 10 + 0 + 0 + 5 in; 40 written; 10 rejected (received −
    # written of finished runs).
    assert source.last_24h == SyncCounts(
        runs=5, failed=1, rejected=1, records_in=55, records_written=40, records_rejected=10
    )


async def test_configured_sources_join_the_logged_ones(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    now = utcnow()
    await add_run(
        sessionmaker,
        tenant_a,
        "pos",
        "success",
        started=now - dt.timedelta(hours=3),
        received=5,
        synced=5,
    )
    configured = [
        ConfiguredSource("pos", "smb_csv", sla_hours=4),
        ConfiguredSource("van", "enterprise_edi"),
    ]

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        report = await health.sync_health(
            session, settings=DEFAULTS, configured=configured, now=now
        )

    assert [(s.source_name, s.status, s.sla_hours, s.configured) for s in report.sources] == [
        ("van", Freshness.NEVER_SYNCED, 48.0, True),
        ("pos", Freshness.OK, 4.0, True),
    ]
    assert report.status is OverallStatus.NEVER_SYNCED


# --- the routes --------------------------------------------------------------------------------


async def test_routes_need_an_api_key(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/sync-health")).status_code == 401
    assert (await client.get(f"{API}/sync-log")).status_code == 401
    bad = {"Authorization": "Bearer not-a-key"}
    assert (await client.get(f"{API}/sync-health", headers=bad)).status_code == 401


async def test_sync_health_route_shows_the_callers_sources_only(
    sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant, client: httpx.AsyncClient
) -> None:
    now = utcnow()
    await add_run(
        sessionmaker,
        tenant_a,
        "acme-pos",
        "success",
        started=now - dt.timedelta(hours=2),
        received=12,
        synced=12,
    )
    await add_run(
        sessionmaker,
        tenant_a,
        "acme-pos",
        "rejected",
        started=now - dt.timedelta(minutes=10),
        received=3,
        error="row 2: date",
    )

    response = await client.get(f"{API}/sync-health", headers=tenant_a.headers(Role.VIEWER))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "breached" and body["profile_errors"] == []
    [source] = body["sources"]
    assert source["source_name"] == "acme-pos" and source["integration_type"] == "smb_csv"
    assert source["status"] == "breached" and source["sla_hours"] == 1.0
    assert source["sla_origin"] == "default" and source["configured"] is False
    assert 1.9 < source["freshness_hours"] < 2.1
    assert source["last_run_status"] == "rejected" and source["last_error"] == "row 2: date"
    assert source["last_24h"] == {
        "runs": 2,
        "failed": 0,
        "rejected": 1,
        "records_in": 15,
        "records_written": 12,
        "records_rejected": 3,
    }

    other = await client.get(f"{API}/sync-health", headers=tenant_b.headers(Role.VIEWER))
    assert other.status_code == 200
    assert other.json()["sources"] == [] and other.json()["status"] == "no_sources"
    log_b = await client.get(
        f"{API}/sync-log", params={"source": "acme-pos"}, headers=tenant_b.headers()
    )
    assert log_b.json()["total"] == 0 and log_b.json()["items"] == []


async def test_sync_log_route_pages_newest_first_with_filters(
    sessionmaker: Sessions, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    now = utcnow()
    ids = [
        await add_run(
            sessionmaker,
            tenant_a,
            "feed",
            status,
            started=now - dt.timedelta(hours=h),
            received=4,
            synced=synced,
        )
        for h, status, synced in ((3, "success", 4), (2, "rejected", 0), (1, "success", 4))
    ]
    await add_run(sessionmaker, tenant_a, "other", "success", started=now, kind="csv")

    async def page(**params: Any) -> dict[str, Any]:
        response = await client.get(
            f"{API}/sync-log", params=params, headers=tenant_a.headers(Role.VIEWER)
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    first = await page(source="feed", limit=2)
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [i["sync_id"] for i in first["items"]] == [str(ids[2]), str(ids[1])]
    second = await page(source="feed", limit=2, offset=2)
    assert [i["sync_id"] for i in second["items"]] == [str(ids[0])]
    item = second["items"][0]
    assert item["integration_name"] == "feed" and item["sync_status"] == "success"
    assert (item["records_received"], item["records_synced"]) == (4, 4)
    assert item["metadata"] == {"file": "feed.csv"}
    rejected = await page(source="feed", status="rejected")
    assert [i["sync_id"] for i in rejected["items"]] == [str(ids[1])]
    assert (await page(type="csv"))["total"] == 1
    assert (await page())["total"] == 4

    bad = await client.get(
        f"{API}/sync-log", params={"status": "done", "limit": 0}, headers=tenant_a.headers()
    )
    assert bad.status_code == 422


# --- the SLA alert -----------------------------------------------------------------------------


async def _sla_alerts(sessions: Sessions, tenant: Tenant) -> list[Alert]:
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        rows = await session.scalars(
            select(Alert)
            .where(
                Alert.customer_id == tenant.customer_id,
                Alert.alert_type == health.SLA_ALERT_TYPE,
            )
            .order_by(Alert.created_at)
        )
        return list(rows)


# The sources the alert tests declare (only declared sources are alerted on).
DECLARED = [ConfiguredSource("pos", "smb_csv"), ConfiguredSource("edi", "enterprise_edi")]


async def _check(
    sessions: Sessions,
    tenant: Tenant,
    now: dt.datetime,
    configured: list[ConfiguredSource] | None = None,
) -> health.SlaCheck:
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        return await health.check_sla(
            session, settings=DEFAULTS, configured=configured or DECLARED, now=now
        )


async def test_sla_alert_is_raised_escalated_and_resolved_without_duplicates(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    t0 = utcnow().replace(microsecond=0)
    synced_at = t0 - dt.timedelta(minutes=91)
    await add_run(
        sessionmaker,
        tenant_a,
        "pos",
        "success",
        started=synced_at - dt.timedelta(minutes=1),
        received=8,
        synced=8,
    )
    await add_run(
        sessionmaker,
        tenant_a,
        "edi",
        "success",
        started=t0 - dt.timedelta(hours=1),
        received=2,
        synced=2,
        kind="enterprise_edi",
    )

    first = await _check(sessionmaker, tenant_a, t0)  # 1.52 h against 1 h: warning
    assert (first.breached, first.raised) == (["pos"], ["pos"])
    [alert] = await _sla_alerts(sessionmaker, tenant_a)
    assert (alert.status, alert.severity, alert.dedupe_key) == ("open", "warning", "sync_sla:pos")
    assert alert.message == (
        f"pos (smb_csv) has not synced successfully since {synced_at:%Y-%m-%d %H:%M} UTC; "
        "its SLA is 1 h"
    )
    assert alert.alert_metadata is not None
    assert alert.alert_metadata["last_success_at"] == synced_at.isoformat()
    assert alert.alert_metadata["sla_hours"] == 1.0

    again = await _check(sessionmaker, tenant_a, t0 + dt.timedelta(minutes=5))
    assert (again.raised, again.refreshed, again.resolved) == ([], [], [])
    assert len(await _sla_alerts(sessionmaker, tenant_a)) == 1

    later = await _check(sessionmaker, tenant_a, t0 + dt.timedelta(hours=1))  # 2.52 h > 2 h
    assert (later.raised, later.refreshed) == ([], ["pos"])
    [escalated] = await _sla_alerts(sessionmaker, tenant_a)
    assert (escalated.alert_id, escalated.severity) == (alert.alert_id, "critical")

    # The feed delivers again: the alert resolves itself, and stays resolved.
    await add_run(
        sessionmaker,
        tenant_a,
        "pos",
        "success",
        started=t0 + dt.timedelta(minutes=70),
        received=3,
        synced=3,
    )
    fresh_at = t0 + dt.timedelta(minutes=80)
    resolved = await _check(sessionmaker, tenant_a, fresh_at)
    assert (resolved.breached, resolved.resolved) == ([], ["pos"])
    [done] = await _sla_alerts(sessionmaker, tenant_a)
    assert (done.status, done.resolved_at) == ("resolved", fresh_at)
    assert done.alert_metadata is not None
    assert done.alert_metadata["auto_resolved_at"] == fresh_at.isoformat()
    quiet = await _check(sessionmaker, tenant_a, fresh_at + dt.timedelta(minutes=1))
    assert (quiet.raised, quiet.resolved) == ([], [])
    assert len(await _sla_alerts(sessionmaker, tenant_a)) == 1


async def test_a_profile_sla_decides_whether_an_alert_is_raised(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    t0 = utcnow()
    await add_run(
        sessionmaker,
        tenant_a,
        "pos",
        "success",
        started=t0 - dt.timedelta(hours=3),
        received=1,
        synced=1,
    )
    lenient = [ConfiguredSource("pos", "smb_csv", sla_hours=4)]

    assert (await _check(sessionmaker, tenant_a, t0, lenient)).raised == []
    assert await _sla_alerts(sessionmaker, tenant_a) == []
    assert (await _check(sessionmaker, tenant_a, t0)).raised == ["pos"]  # default 1 h


async def test_a_dismissed_alert_silences_its_outage_but_not_the_next(
    sessionmaker: Sessions, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    t0 = utcnow().replace(microsecond=0)
    await add_run(
        sessionmaker,
        tenant_a,
        "pos",
        "success",
        started=t0 - dt.timedelta(hours=2),
        received=1,
        synced=1,
    )
    await _check(sessionmaker, tenant_a, t0)
    [alert] = await _sla_alerts(sessionmaker, tenant_a)

    # The SLA alert is a row of the alerts table: planners work it like a stock alert.
    dismissed = await client.patch(
        f"/api/v1/alerts/{alert.alert_id}/dismiss",
        json={"notes": "supplier on holiday"},
        headers=tenant_a.headers(Role.PLANNER),
    )
    assert dismissed.status_code == 200, dismissed.text

    same_outage = await _check(sessionmaker, tenant_a, t0 + dt.timedelta(minutes=15))
    assert (same_outage.raised, same_outage.silenced) == ([], ["pos"])
    assert [a.status for a in await _sla_alerts(sessionmaker, tenant_a)] == ["dismissed"]

    # Data arrives, then the feed goes quiet again: a new outage, a new alert.
    await add_run(
        sessionmaker,
        tenant_a,
        "pos",
        "success",
        started=t0 + dt.timedelta(minutes=20),
        received=1,
        synced=1,
    )
    assert (await _check(sessionmaker, tenant_a, t0 + dt.timedelta(minutes=30))).raised == []
    next_outage = await _check(sessionmaker, tenant_a, t0 + dt.timedelta(hours=3))
    assert next_outage.raised == ["pos"]
    assert [a.status for a in await _sla_alerts(sessionmaker, tenant_a)] == [
        "dismissed",
        "open",
    ]


# --- with the tenant's contract profiles ------------------------------------------------------

STREAM_PROFILE = """\
profile_id: pos-stream
version: 1
source_name: pos-stream
source_type: enterprise_event
sla_hours: 0.5
stream:
  stream: "shelfops:test:{slug}:pos"
"""
EDI_PROFILE = """\
profile_id: van-edi
version: 1
source_name: van-edi
source_type: enterprise_edi
transport:
  kind: inbox
  path: {inbox}
"""


POS_PROFILE = """\
profile_id: pos
version: 1
source_name: pos
source_type: smb_csv
grain: daily_store_item
field_map:
  sales: {date: day, store_code: store, product_code: sku, quantity: units}
defaults:
  sales: {unit_price: 1.0, promo_flag: false, discount_pct: 0.0}
"""


def declare_pos(settings: Settings, tenant: Tenant) -> None:
    """A contract profile declaring the tenant's ``pos`` CSV source (default 1 h SLA)."""
    folder = settings.contracts_dir / tenant.slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pos.yaml").write_text(POS_PROFILE)


def write_profiles(settings: Settings, tenant: Tenant, inbox: Path) -> None:
    """An event-stream profile (SLA 0.5 h) and an EDI inbox profile (default SLA)."""
    folder = settings.contracts_dir / tenant.slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stream.yaml").write_text(STREAM_PROFILE.format(slug=tenant.slug))
    (folder / "edi.yaml").write_text(EDI_PROFILE.format(inbox=inbox))


async def test_sync_health_route_reads_the_tenants_contract_profiles(
    migrated: Settings,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    client: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    write_profiles(migrated, tenant_a, tmp_path)
    await add_run(
        sessionmaker,
        tenant_a,
        "pos-stream",
        "success",
        started=utcnow() - dt.timedelta(minutes=20),
        received=7,
        synced=7,
        kind="enterprise_event",
    )

    response = await client.get(f"{API}/sync-health", headers=tenant_a.headers(Role.VIEWER))

    assert response.status_code == 200, response.text
    body = response.json()
    table = [
        (s["source_name"], s["integration_type"], s["status"], s["sla_hours"], s["sla_origin"])
        for s in body["sources"]
    ]
    assert table == [
        ("van-edi", "enterprise_edi", "never_synced", 48.0, "default"),
        ("pos-stream", "enterprise_event", "ok", 0.5, "profile"),
    ]
    assert all(s["configured"] for s in body["sources"])
    assert body["status"] == "never_synced" and body["profile_errors"] == []


async def test_a_broken_profile_is_reported_and_the_logged_sources_still_shown(
    migrated: Settings, sessionmaker: Sessions, tenant_b: Tenant, client: httpx.AsyncClient
) -> None:
    folder = migrated.contracts_dir / tenant_b.slug
    folder.mkdir(parents=True)
    (folder / "van.yaml").write_text(
        "profile_id: van\nversion: 0\nsource_name: van\nsource_type: carrier_pigeon\n"
    )
    await add_run(
        sessionmaker,
        tenant_b,
        "sales.csv",
        "success",
        started=utcnow() - dt.timedelta(minutes=5),
        received=1,
        synced=1,
        kind="csv",
    )

    body = (await client.get(f"{API}/sync-health", headers=tenant_b.headers())).json()

    assert [(s["source_name"], s["status"]) for s in body["sources"]] == [("sales.csv", "ok")]
    assert body["status"] == "ok"
    assert body["profile_errors"] == [
        "van.yaml: line 2: version: must be ≥ 1, got 0",
        "van.yaml: line 4: source_type: expected one of 'smb_csv', 'smb_sftp', "
        "'enterprise_edi', 'enterprise_sftp', 'enterprise_event', got 'carrier_pigeon'",
    ]
