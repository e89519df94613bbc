"""Where runs are tracked: the default local store, and how a remote one is reached.

MLflow 3.17 refuses its old file store (``./mlruns``) unless ``MLFLOW_ALLOW_FILE_STORE``
is set, so the embedded default is a SQLite database, with artifacts in a directory
beside it.
"""

from __future__ import annotations

import math
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DATABASE_FILE = "mlflow.db"
ARTIFACTS_DIR = "mlartifacts"

# MLflow reads its HTTP retry policy from these variables on every request. By default it
# retries 7 times with exponential back-off and waits 120 s per request, so a server that
# dies mid-run would stall a training job for minutes before we could fall back.
_RETRIES_VAR = "MLFLOW_HTTP_REQUEST_MAX_RETRIES"
_TIMEOUT_VAR = "MLFLOW_HTTP_REQUEST_TIMEOUT"
# Finishing a run on a server otherwise prints "View run … at: <url>" to stdout; the URL is
# in the result instead, and the CLI decides what to print.
_QUIET_VAR = "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"


def default_tracking_uri(var_dir: Path) -> str:
    """The embedded tracking store: ``sqlite:///<var_dir>/mlflow.db`` (absolute path).

    The path is not percent-encoded: SQLAlchemy reads it verbatim, and MLflow creates the
    parent directory from the unquoted text (an encoded space would create ``a%20b/``).
    """
    return f"sqlite:///{(var_dir / DATABASE_FILE).resolve()}"


def is_http(tracking_uri: str) -> bool:
    """Whether ``tracking_uri`` points at an MLflow tracking server over http(s)."""
    return urlsplit(tracking_uri).scheme in ("http", "https")


def artifact_root(tracking_uri: str) -> Path | None:
    """Where new experiments of a SQLite store keep artifacts: ``mlartifacts/`` beside it.

    ``None`` for every other store: a server decides its own artifact root, and a database
    server's deployment configures one. Without this MLflow would put a SQLite store's
    artifacts in ``./mlruns`` of whatever directory the process happened to start in.
    """
    if urlsplit(tracking_uri).scheme != "sqlite":
        return None
    # Parsed the way MLflow's SQLAlchemy engine will parse it; imported here because
    # SQLAlchemy costs half a second to import and is only needed once MLflow is used.
    from sqlalchemy.engine import make_url

    database = make_url(tracking_uri).database
    if not database or database == ":memory:":
        return None
    return Path(database).resolve().parent / ARTIFACTS_DIR


def probe(tracking_uri: str, timeout_s: float) -> str | None:
    """Ask an http(s) server's ``/health`` endpoint; ``None`` if it answered, else why not.

    Any HTTP answer counts as reachable (a 401 from an auth proxy is still a server);
    only a failure to connect or a timeout does not.
    """
    url = tracking_uri.rstrip("/") + "/health"
    try:
        # The scheme is http(s), checked by the caller; nothing else reaches this line.
        with urllib.request.urlopen(url, timeout=timeout_s):  # noqa: S310
            return None
    except urllib.error.HTTPError:
        return None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"MLflow server {redact(tracking_uri)} is unreachable: {reason}"


@contextmanager
def mlflow_call_env(request_timeout_s: float) -> Iterator[None]:
    """Within the block, MLflow makes each HTTP request once, waiting ``request_timeout_s``
    for an answer, and prints nothing to stdout.

    MLflow offers no per-client setting for this, only process environment variables, so
    they are set here and restored on exit. Other threads of the process see the override
    while the block runs; ShelfOps tracks runs from workers and the CLI, one at a time.
    """
    overrides = {
        _RETRIES_VAR: "0",
        _TIMEOUT_VAR: str(max(1, math.ceil(request_timeout_s))),
        _QUIET_VAR: "true",
    }
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def redact(tracking_uri: str) -> str:
    """``tracking_uri`` without a password, safe to print and to write into a report."""
    parts = urlsplit(tracking_uri)
    if parts.password is None:
        return tracking_uri
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
