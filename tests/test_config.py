"""Settings: embedded by default, strict in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shelfops.config import Environment, Settings


def test_no_environment_means_embedded_sqlite_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SHELFOPS_ENV", "SHELFOPS_DATABASE_URL", "SHELFOPS_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.env is Environment.EMBEDDED
    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.resolved_database_url.endswith(str(Path("var/shelfops.db").resolve()))
    assert settings.tasks_in_process


def test_environment_variables_configure_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFOPS_ENV", "production")
    monkeypatch.setenv("SHELFOPS_DATABASE_URL", "postgresql+asyncpg://u@db/shelfops")
    monkeypatch.setenv("SHELFOPS_BROKER_URL", "redis://redis:6379/0")
    monkeypatch.setenv("SHELFOPS_SECRET_KEY", "s3cret-from-vault")
    settings = Settings()
    assert settings.is_postgres
    assert not settings.tasks_in_process
    assert settings.resolved_secret_key == "s3cret-from-vault"
    assert "s3cret" not in repr(settings)


def test_production_refuses_to_start_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFOPS_ENV", "production")
    monkeypatch.setenv("SHELFOPS_DATABASE_URL", "postgresql+asyncpg://u@db/shelfops")
    monkeypatch.delenv("SHELFOPS_BROKER_URL", raising=False)
    monkeypatch.delenv("SHELFOPS_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "SHELFOPS_BROKER_URL" in str(info.value)
    assert "SHELFOPS_SECRET_KEY" in str(info.value)


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_broker_url_means_no_broker(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SHELFOPS_BROKER_URL", value)
    settings = Settings()
    assert settings.broker_url is None
    assert settings.tasks_in_process


@pytest.mark.parametrize("value", ["notaurl", "amqp://guest:pw-7f3a@mq:5672//", "memory://"])
def test_a_broker_url_that_is_not_redis_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SHELFOPS_BROKER_URL", value)
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "expected a Redis URL" in str(info.value)
    assert value not in str(info.value)
