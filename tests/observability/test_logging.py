"""Structured logs: JSON lines with the request's id and tenant, secrets redacted, and the
request id echoed or generated."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog

from shelfops.config import Environment, Settings
from shelfops.kit.logging import (
    REDACTED,
    bind_request,
    bind_tenant,
    configure_logging,
    redact_text,
)
from shelfops.models import Role
from tests.conftest import Tenant
from tests.processes import stop

SECRET_KEY = "so_" + "ab" * 16 + "_" + "S3cr3tPart" * 4 + "xyz"


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """This process's logs as JSON lines into a buffer; the default set-up afterwards."""
    buffer = io.StringIO()
    configure_logging(Settings(env=Environment.TEST, log_format="json"), stream=buffer)
    yield buffer
    structlog.contextvars.clear_contextvars()
    configure_logging(Settings(env=Environment.TEST))


def test_every_logger_writes_json_with_context_and_no_secrets(json_log: io.StringIO) -> None:
    bind_request("req-1")
    bind_tenant(uuid.UUID(int=7))
    logging.getLogger("uvicorn.error").info("header was Authorization: Bearer %s", SECRET_KEY)
    logging.getLogger("celery").warning("broker redis://:hunter2pass@redis:6379/0 is down")
    structlog.get_logger("shelfops.test").info(
        "configured", api_key=SECRET_KEY, headers={"Authorization": "Basic dXNlcjpwdw=="}
    )
    try:
        raise RuntimeError(f"could not use {SECRET_KEY}")
    except RuntimeError:
        logging.getLogger("shelfops.test").exception("failed")

    text = json_log.getvalue()
    lines = _lines(json_log)
    assert len(lines) == 4
    for line in lines:
        assert line["request_id"] == "req-1"
        assert line["customer_id"] == str(uuid.UUID(int=7))
        assert {"timestamp", "level", "logger", "event"} <= set(line)
    for secret in ("S3cr3tPart", "hunter2pass", "dXNlcjpwdw=="):
        assert secret not in text
    assert lines[0]["event"] == f"header was Authorization: Bearer {REDACTED}"
    assert lines[1]["event"] == f"broker redis://:{REDACTED}@redis:6379/0 is down"
    assert lines[2]["api_key"] == REDACTED
    assert lines[2]["headers"] == {"Authorization": REDACTED}
    assert "RuntimeError" in lines[3]["exception"]


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("sent BEARER abc.def-ghi", f"sent BEARER {REDACTED}"),
        ("sent bAsIc dXNlcjpwdw==", f"sent bAsIc {REDACTED}"),
        (f"key {SECRET_KEY}.", f"key {SECRET_KEY[:36]}{REDACTED}."),
        ("amqp://guest:s3cret@mq/", f"amqp://guest:{REDACTED}@mq/"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- tail",
            f"-----BEGIN RSA PRIVATE KEY----- {REDACTED} tail",
        ),
    ],
)
def test_each_secret_in_text_is_redacted_on_its_own(text: str, redacted: str) -> None:
    # One pattern per text: the quick test of whether any pattern can match lets each
    # of them through on its own, in any letter case where the pattern ignores case.
    assert redact_text(text) == redacted


def test_text_without_secrets_is_returned_as_it_is() -> None:
    for text in ("GET /api/v1/inventory", "089cb31c-91cc-41c2-b704-5fa54ad08e97", "so what"):
        assert redact_text(text) == text


async def test_an_api_key_sent_as_request_id_is_redacted_in_the_access_line(
    client: httpx.AsyncClient, json_log: io.StringIO
) -> None:
    # The key's characters are all allowed in a request id, so the id is echoed; the log
    # line must not carry the secret part.
    answer = await client.get("/health", headers={"X-Request-ID": SECRET_KEY})
    assert answer.headers["x-request-id"] == SECRET_KEY
    assert "S3cr3tPart" not in json_log.getvalue()
    access = [line for line in _lines(json_log) if line["logger"] == "shelfops.access"]
    assert access[0]["request_id"] == f"{SECRET_KEY[:36]}{REDACTED}"


def test_the_embedded_default_is_readable_text_and_production_is_json() -> None:
    buffer = io.StringIO()
    configure_logging(Settings(env=Environment.EMBEDDED), stream=buffer)
    logging.getLogger("shelfops.test").info("hello %s", "there")
    configure_logging(Settings(env=Environment.TEST))

    line = buffer.getvalue().strip()
    assert "hello there" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


async def test_request_id_is_echoed_when_sane_and_generated_otherwise(
    client: httpx.AsyncClient, json_log: io.StringIO
) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "edge-42.a:b_c"})
    replaced = await client.get("/health", headers={"X-Request-ID": "no spaces <allowed>"})
    generated = await client.get("/api/v1/slo")

    assert echoed.headers["x-request-id"] == "edge-42.a:b_c"
    assert uuid.UUID(replaced.headers["x-request-id"]).version == 4
    assert uuid.UUID(generated.headers["x-request-id"]).version == 4
    assert generated.status_code == 401  # error answers carry the id too
    access = [line for line in _lines(json_log) if line["logger"] == "shelfops.access"]
    assert [(a["request_id"], a["path"], a["status"]) for a in access] == [
        ("edge-42.a:b_c", "/health", echoed.status_code),
        (replaced.headers["x-request-id"], "/health", replaced.status_code),
        (generated.headers["x-request-id"], "/api/v1/slo", 401),
    ]
    assert all(isinstance(a["duration_ms"], float) and a["method"] == "GET" for a in access)


async def test_access_line_names_the_tenant_and_never_the_key(
    client: httpx.AsyncClient, tenant_a: Tenant, json_log: io.StringIO
) -> None:
    """Needs ``bind_tenant(customer_id)`` in ``api/deps.py`` where the key is resolved."""
    response = await client.get(
        "/api/v1/slo", headers={**tenant_a.headers(Role.VIEWER), "X-Request-ID": "tenant-req"}
    )

    assert response.status_code == 200
    [access] = [
        line
        for line in _lines(json_log)
        if line.get("request_id") == "tenant-req" and line["logger"] == "shelfops.access"
    ]
    assert access["customer_id"] == str(tenant_a.customer_id)
    assert access["path"] == "/api/v1/slo"
    assert tenant_a.keys[Role.VIEWER] not in json_log.getvalue()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_served_api_writes_only_json_lines_without_the_key(
    migrated: Settings, tenant_a: Tenant, tmp_path: Path
) -> None:
    """``shelfops serve`` in production log format: uvicorn's own lines are JSON too."""
    port = _free_port()
    env = {
        **os.environ,
        "SHELFOPS_DATABASE_URL": migrated.resolved_database_url,
        "SHELFOPS_VAR_DIR": str(tmp_path),
        "SHELFOPS_LOG_FORMAT": "json",
    }
    out = (tmp_path / "serve.out").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shelfops", "serve", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    key = tenant_a.keys[Role.ADMIN]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/slo",
                    headers={"Authorization": f"Bearer {key}", "X-Request-ID": "served-1"},
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp_path / "serve.out").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
    finally:
        stop(process)
        out.close()

    assert response.status_code == 200
    text = (tmp_path / "serve.out").read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    [access] = [line for line in lines if line.get("request_id") == "served-1"]
    assert access["path"] == "/api/v1/slo" and access["status"] == 200
    # "so_<tenant hex>_<secret>", and the secret may itself hold "_": split from the left.
    assert key.split("_", 2)[2] not in text
