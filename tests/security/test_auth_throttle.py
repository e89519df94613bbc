"""Brute-force protection: failed API-key authentications are throttled per client
address and per key, with the default settings, in memory (embedded) and in Redis
(shared by every API process); the key itself is never logged."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from shelfops.api.auth_throttle import (
    AuthThrottle,
    Counter,
    MemoryStore,
    RedisStore,
    close_throttle,
    throttle_of,
)
from shelfops.config import Settings
from shelfops.models import Role
from shelfops.tenants import keys
from tests.conftest import Tenant
from tests.security.conftest import client_at, open_client, secured_app

STORES = "/api/v1/stores"
REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_MAX_FAILURES: int = Settings.model_fields["auth_max_failures"].default
DEFAULT_WINDOW_SECONDS: int = Settings.model_fields["auth_failure_window_seconds"].default


def forged(tenant: Tenant) -> dict[str, str]:
    """A well-formed key of ``tenant`` with a random (wrong) secret."""
    return {"Authorization": f"Bearer so_{tenant.customer_id.hex}_{secrets.token_urlsafe(32)}"}


def assert_throttled(response: httpx.Response) -> int:
    """The 429 shape; returns Retry-After in seconds."""
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "TooManyRequests"
    assert "too many failed authentications" in response.json()["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= DEFAULT_WINDOW_SECONDS
    return retry_after


@pytest.fixture
async def fresh_app(migrated: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A new app with the default settings (so its own, empty in-memory counters)."""
    async for http in open_client(secured_app(migrated), address="198.51.100.7"):
        yield http


async def test_defaults_are_ten_failures_in_five_minutes(migrated: Settings) -> None:
    app = secured_app(migrated)
    throttle = throttle_of(app)
    assert (DEFAULT_MAX_FAILURES, DEFAULT_WINDOW_SECONDS) == (10, 300)
    assert (throttle.max_failures, throttle.window_ms) == (10, 300_000)
    assert isinstance(throttle.store, MemoryStore)  # embedded: no broker configured


async def test_after_ten_failures_even_a_valid_key_gets_429(
    fresh_app: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    for _ in range(DEFAULT_MAX_FAILURES):
        assert (await fresh_app.get(STORES, headers=forged(tenant_a))).status_code == 401
    # The eleventh attempt is refused before the key is looked up: a valid key too.
    assert_throttled(await fresh_app.get(STORES, headers=tenant_a.headers(Role.VIEWER)))
    assert_throttled(await fresh_app.get(STORES, headers=forged(tenant_a)))
    # Requests without a key are no attempt: they still get the plain 401.
    assert (await fresh_app.get(STORES)).status_code == 401


async def test_nine_failures_do_not_block(fresh_app: httpx.AsyncClient, tenant_a: Tenant) -> None:
    for _ in range(DEFAULT_MAX_FAILURES - 1):
        assert (await fresh_app.get(STORES, headers=forged(tenant_a))).status_code == 401
    assert (await fresh_app.get(STORES, headers=tenant_a.headers())).status_code == 200


async def test_other_addresses_are_not_blocked(migrated: Settings, tenant_a: Tenant) -> None:
    app = secured_app(migrated)
    async for attacker in open_client(app, address="203.0.113.66"):
        for _ in range(DEFAULT_MAX_FAILURES):
            await attacker.get(STORES, headers=forged(tenant_a))
        assert_throttled(await attacker.get(STORES, headers=tenant_a.headers()))
        async with client_at(app, "203.0.113.1") as user:
            assert (await user.get(STORES, headers=tenant_a.headers())).status_code == 200


async def test_the_block_ends_with_the_window(migrated: Settings, tenant_a: Tenant) -> None:
    now = [1000.0]
    app = secured_app(migrated)
    app.state.auth_throttle = AuthThrottle(
        MemoryStore(clock=lambda: now[0]),
        max_failures=DEFAULT_MAX_FAILURES,
        window_seconds=DEFAULT_WINDOW_SECONDS,
    )
    async for http in open_client(app, address="203.0.113.9"):
        for _ in range(DEFAULT_MAX_FAILURES):
            await http.get(STORES, headers=forged(tenant_a))
        now[0] += 120  # two minutes into the five-minute window
        assert assert_throttled(await http.get(STORES, headers=tenant_a.headers())) == 180
        now[0] += 180  # the window has passed
        assert (await http.get(STORES, headers=tenant_a.headers())).status_code == 200
        # A success did not reset anything by itself; a new failure opens a new window.
        assert (await http.get(STORES, headers=forged(tenant_a))).status_code == 401


async def test_one_key_guessed_from_many_addresses_is_blocked(
    migrated: Settings, tenant_a: Tenant
) -> None:
    app = secured_app(migrated)
    # Every guess shares the tenant and the first 8 characters of the secret (the key's
    # identifier), each from a different address, so no address reaches the limit.
    stem = f"so_{tenant_a.customer_id.hex}_{secrets.token_urlsafe(32)[:8]}"
    async with app.router.lifespan_context(app):  # one process: one set of counters
        for i in range(DEFAULT_MAX_FAILURES):
            guess = stem + secrets.token_urlsafe(32)[:35]
            async with client_at(app, f"203.0.113.{100 + i}") as http:
                response = await http.get(STORES, headers={"Authorization": f"Bearer {guess}"})
                assert response.status_code == 401
        async with client_at(app, "203.0.113.200") as http:
            guess = stem + secrets.token_urlsafe(32)[:35]
            assert_throttled(await http.get(STORES, headers={"Authorization": f"Bearer {guess}"}))
            # Another key from that fresh address still works.
            assert (await http.get(STORES, headers=tenant_a.headers())).status_code == 200


async def test_malformed_keys_are_not_counted(
    fresh_app: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    # A malformed key can never match and costs no database look-up: no guess at all.
    for token in ["not-a-key", "so_1234_short", f"so_{tenant_a.customer_id.hex}_x"] * 7:
        response = await fresh_app.get(STORES, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    assert (await fresh_app.get(STORES, headers=tenant_a.headers())).status_code == 200


async def test_failures_are_logged_without_the_key(
    fresh_app: httpx.AsyncClient, tenant_a: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shelfops.api.deps")
    headers = forged(tenant_a)
    # "Bearer so_<tenant hex>_<secret>": the secret itself may hold "_" (token_urlsafe),
    # so split from the left; splitting at the last "_" made this test flaky.
    secret = headers["Authorization"].split("_", 2)[2]
    for _ in range(DEFAULT_MAX_FAILURES + 1):
        await fresh_app.get(STORES, headers=headers)
    text = caplog.text
    assert f"authentication failed from 198.51.100.7 for tenant {tenant_a.customer_id}" in text
    assert "(10 failure(s) from this address in the window)" in text
    assert "too many failures" in text
    assert secret not in text
    assert secret[:8] not in text


@pytest.fixture
async def redis_settings(migrated: Settings) -> AsyncIterator[Settings]:
    """The session's database with a broker configured, under a key prefix of its own."""
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    yield migrated.model_copy(update={"broker_url": REDIS_URL, "broker_key_prefix": prefix})
    redis = Redis.from_url(REDIS_URL)
    try:
        async for key in redis.scan_iter(match=f"{prefix}*"):
            await redis.delete(key)
    finally:
        await redis.aclose()


async def test_redis_counters_are_shared_by_api_processes(
    redis_settings: Settings, tenant_a: Tenant
) -> None:
    # Two apps with their own throttles stand for two API processes: only Redis is shared.
    first, second = secured_app(redis_settings), secured_app(redis_settings)
    try:
        async for one in open_client(first, address="203.0.113.50"):
            for _ in range(DEFAULT_MAX_FAILURES // 2):
                assert (await one.get(STORES, headers=forged(tenant_a))).status_code == 401
        async for two in open_client(second, address="203.0.113.50"):
            for _ in range(DEFAULT_MAX_FAILURES - DEFAULT_MAX_FAILURES // 2):
                assert (await two.get(STORES, headers=forged(tenant_a))).status_code == 401
            assert_throttled(await two.get(STORES, headers=tenant_a.headers()))
        async for one in open_client(first, address="203.0.113.50"):
            assert_throttled(await one.get(STORES, headers=tenant_a.headers()))
            assert type(throttle_of(first).store).__name__ == "RedisStore"
    finally:
        await close_throttle(first)
        await close_throttle(second)

    redis = Redis.from_url(REDIS_URL)
    try:
        names = [
            key.decode()
            async for key in redis.scan_iter(match=f"{redis_settings.broker_key_prefix}*")
        ]
        # One counter for the address, one per forged key; each expires with the window
        # and names neither the address nor any part of a key.
        assert len(names) == 1 + DEFAULT_MAX_FAILURES
        for name in names:
            assert 0 < await redis.pttl(name) <= DEFAULT_WINDOW_SECONDS * 1000
            assert "203.0.113.50" not in name and tenant_a.customer_id.hex not in name
    finally:
        await redis.aclose()


async def test_redis_store_reads_absent_and_counting_keys_per_key() -> None:
    # The read asks for every counter at once and for the time left only of those that
    # exist: an absent counter is (0, 0), a counting one its failures and time left.
    prefix = f"test-read-{uuid.uuid4().hex}:"
    absent, counting = prefix + "absent", prefix + "counting"
    redis = Redis.from_url(REDIS_URL)
    store = RedisStore(redis)
    try:
        assert await store.read([absent, counting]) == [Counter(0, 0), Counter(0, 0)]
        await store.add_failure([counting], 60_000)
        await store.add_failure([counting], 60_000)
        first, second = await store.read([absent, counting])
        assert first == Counter(0, 0)
        assert second.failures == 2 and 50_000 < second.remaining_ms <= 60_000
        (alone,) = await store.read([counting])
        assert alone.failures == 2 and 0 < alone.remaining_ms <= second.remaining_ms
    finally:
        await redis.delete(absent, counting)
        await store.close()


def test_key_check_is_exact() -> None:
    new = keys.generate_key(uuid.uuid4())
    assert keys.matches(new.plaintext, new.digest)
    assert not keys.matches(
        new.plaintext[:-1] + ("A" if new.plaintext[-1] != "A" else "B"), new.digest
    )
    assert keys.key_identifier(new.plaintext) == new.plaintext[3:35] + "_" + new.prefix
    assert keys.key_identifier("so_nothex_" + "x" * 43) is None
