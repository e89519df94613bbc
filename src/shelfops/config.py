"""The one settings object. Every knob is an environment variable prefixed ``SHELFOPS_``.

With no environment at all ShelfOps runs *embedded*: a SQLite file under ``./var/``,
background work in-process, local files under ``./var/``. Production sets
``SHELFOPS_ENV=production`` plus real URLs, and then refuses to start without secrets.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only ever used in embedded/dev mode; production must provide its own (checked below).
_EMBEDDED_SECRET = "shelfops-embedded-not-secret"  # noqa: S105 - see above
# The source checkout (src/shelfops/config.py → three levels up), where `make` builds the
# dashboard; an installed wheel sets SHELFOPS_DASHBOARD_DIR instead.
_CHECKOUT = Path(__file__).resolve().parents[2]


class Environment(StrEnum):
    """How ShelfOps is being run."""

    EMBEDDED = "embedded"
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """All configuration, read once from the environment (prefix ``SHELFOPS_``)."""

    # hide_input_in_errors: a rejected value may be a URL with a password in it, and
    # settings errors end up in terminals and logs.
    model_config = SettingsConfigDict(
        env_prefix="SHELFOPS_", env_file=None, extra="ignore", hide_input_in_errors=True
    )

    env: Environment = Environment.EMBEDDED
    var_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; defaults to a SQLite file under var_dir.",
    )
    migration_database_url: str | None = Field(
        default=None,
        description="URL of the schema owner used for migrations; defaults to database_url.",
    )
    db_app_role: str = Field(
        default="shelfops_app",
        description=(
            "PostgreSQL role the application acts as (SET ROLE on every connection) so that "
            "row-level security applies even if the login role is privileged. Empty disables."
        ),
    )
    db_pool_size: int = Field(
        default=20,
        ge=1,
        description="PostgreSQL connections per process, opened as needed and kept open.",
    )
    broker_url: str | None = Field(
        default=None, description="Celery broker; when unset, tasks run in-process."
    )
    broker_key_prefix: str = Field(
        default="",
        description="Prefix for every broker key, so several deployments can share one Redis.",
    )
    broker_visibility_timeout_s: int = Field(
        default=5 * 3600,
        description=(
            "Seconds before Redis hands an unacknowledged message (its worker died) to "
            "another worker; must exceed the longest task time limit (a retrain: 4 h)."
        ),
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Key integration credentials are encrypted with at rest (a Fernet key is "
            "derived from it with HKDF-SHA256); the API and the workers must share it. "
            "Required in production; embedded/dev/test fall back to a fixed, public "
            "placeholder."
        ),
    )
    secret_key_previous: SecretStr | None = Field(
        default=None,
        description=(
            "Comma-separated earlier values of SHELFOPS_SECRET_KEY: credentials encrypted "
            "under them still decrypt until `shelfops credentials rotate` re-encrypts them."
        ),
    )
    mlflow_tracking_uri: str | None = Field(
        default=None,
        description=(
            "MLflow tracking URI (e.g. http://mlflow:5000); defaults to a SQLite store "
            "under var_dir (var_dir/mlflow.db, artifacts in var_dir/mlartifacts)."
        ),
    )
    # --- the governed model loop (seed 003) ---------------------------------------------
    retrain_model: str = Field(
        default="auto",
        description="Forecasting model a retrain trains (auto, ensemble or a model name).",
    )
    retrain_horizon_days: int = Field(default=14, ge=1, description="Forecast horizon.")
    retrain_backtest_windows: int = Field(
        default=3, ge=1, description="Rolling-origin windows the gate compares versions on."
    )
    retrain_history_days: int = Field(
        default=730, ge=60, description="Most recent days of sales a retrain reads."
    )
    retrain_stale_after_s: int = Field(
        default=4 * 3600,
        description="A 'running' retrain older than this is taken as abandoned (worker lost).",
    )
    promotion_min_improvement: float = Field(
        default=0.05, ge=0, description="Relative MAE improvement needed to auto-promote."
    )
    promotion_business_tolerance: float = Field(
        default=0.02,
        ge=0,
        description=(
            "Largest relative worsening of a business metric (stock-out miss rate, "
            "overstock rate, overstock value, lost sales) the gate accepts."
        ),
    )
    drift_mae_threshold: float = Field(
        default=0.15, ge=0, description="7-day MAE this much worse than baseline is drift."
    )
    drift_psi_threshold: float = Field(
        default=0.2, ge=0, description="Population stability index that counts as a shift."
    )
    # --- replenishment -------------------------------------------------------------------
    replenishment_default_lead_time_days: float = Field(
        default=7.0,
        gt=0,
        description="Lead time assumed for a product without a supplier (flagged in reports).",
    )
    replenishment_default_service_level: float = Field(
        default=0.95, gt=0, lt=1, description="Service level when no target is set."
    )
    phantom_probability_threshold: float = Field(
        default=0.95, gt=0, lt=1, description="Probability above which stock is called phantom."
    )
    # --- integrations (issue 6) ------------------------------------------------------
    contracts_dir_override: Path | None = Field(
        default=None,
        alias="SHELFOPS_CONTRACTS_DIR",
        description="Folder of contract profiles, one sub-folder per tenant slug "
        "(default: var_dir/contracts).",
    )
    sla_pos_hours: float = Field(
        default=1.0, gt=0, description="Freshness SLA of CSV/POS sources (smb_csv)."
    )
    sla_file_hours: float = Field(
        default=48.0, gt=0, description="Freshness SLA of SFTP and EDI sources."
    )
    sla_event_hours: float = Field(
        default=2.0, gt=0, description="Freshness SLA of event-stream sources."
    )
    sync_poll_minutes: int = Field(
        default=15, ge=1, description="How often beat polls SFTP/inbox sources (minutes)."
    )
    event_consume_seconds: int = Field(
        default=60, ge=5, description="How often beat drains the event streams (seconds)."
    )
    # --- dashboard (issue 7) ---------------------------------------------------------
    dashboard_dir_override: Path | None = Field(
        default=None,
        alias="SHELFOPS_DASHBOARD_DIR",
        description="The built dashboard (index.html and assets) served at / "
        "(default: frontend/dist of the source checkout).",
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = Field(
        default=1,
        ge=1,
        description="Processes `shelfops serve` runs (one core each); more than one "
        "needs broker_url, where the processes share their authentication throttle.",
    )
    ingest_chunk_rows: int = 500_000
    ingest_max_upload_bytes: int = Field(
        default=4 * 1024**3, description="Largest file POST /api/v1/ingest accepts (bytes)."
    )
    # --- observability (issue 8) -----------------------------------------------------
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="Log lines as JSON or readable console text; auto = JSON in production.",
    )
    log_level: str = Field(default="INFO", description="Lowest level logged (stdlib name).")
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token a Prometheus scraper may send to GET /metrics."
    )
    worker_metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="Port a Celery worker serves /metrics on."
    )
    slo_forecast_max_age_hours: float = Field(
        default=26.0, gt=0, description="Newest forecast issue older than this breaches its SLO."
    )
    slo_accuracy_max_age_hours: float = Field(
        default=26.0, gt=0, description="Newest accuracy scoring older than this breaches."
    )
    # --- security (issue 8) ------------------------------------------------------------
    auth_max_failures: int = Field(
        default=10, ge=1, description="Failed API-key attempts allowed per window (then 429)."
    )
    auth_failure_window_seconds: int = Field(
        default=300, ge=1, description="Length of the failed-authentication window (s)."
    )
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins allowed cross-origin access; empty: same-origin.",
    )
    # --- TimescaleDB (issue 8): read by migration 0006 when the extension is available ----
    timescale_chunk_days: int = Field(
        default=30, ge=1, description="Days of data in one hypertable chunk."
    )
    timescale_compress_after_days: int = Field(
        default=90,
        ge=0,
        description="Compress chunks older than this (0: never). TimescaleDB refuses "
        "compression on tables with row-level security, so it applies only where RLS is off.",
    )
    timescale_sales_retention_days: int = Field(
        default=0,
        ge=0,
        description="Drop sales older than this (0: keep forever — the history is training data).",
    )
    timescale_inventory_retention_days: int = Field(
        default=0, ge=0, description="Drop inventory snapshots older than this (0: keep forever)."
    )
    timescale_forecast_retention_days: int = Field(
        default=730,
        ge=0,
        description="Drop forecasts whose target day is older than this (0: keep forever).",
    )

    @model_validator(mode="after")
    def _sales_retention_keeps_training_history(self) -> Settings:
        # A retrain reads retrain_history_days of sales; a shorter retention would quietly
        # shrink every future training set.
        days = self.timescale_sales_retention_days
        if days and days < self.retrain_history_days:
            raise ValueError(
                f"SHELFOPS_TIMESCALE_SALES_RETENTION_DAYS={days} is shorter than "
                f"SHELFOPS_RETRAIN_HISTORY_DAYS={self.retrain_history_days}: expected 0 "
                "(keep forever) or at least the history a retrain reads"
            )
        return self

    @field_validator("broker_url", mode="before")
    @classmethod
    def _a_redis_url_or_none(cls, value: object) -> object:
        # An empty SHELFOPS_BROKER_URL= means "no broker", not a broker named "". The queue,
        # the auth throttle and the event streams all live on Redis, so another scheme
        # would start a worker that can never reach them. The value is not echoed: it
        # may hold a password.
        if isinstance(value, str):
            if not value.strip():
                return None
            if not value.startswith(("redis://", "rediss://", "unix://")):
                raise ValueError("expected a Redis URL (redis://…, rediss://… or unix://…)")
        return value

    @model_validator(mode="after")
    def _require_secrets_in_production(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            missing = [
                name
                for name, value in (
                    ("SHELFOPS_DATABASE_URL", self.database_url),
                    ("SHELFOPS_BROKER_URL", self.broker_url),
                    ("SHELFOPS_SECRET_KEY", self.secret_key),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"production mode needs {', '.join(missing)} to be set")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The application database URL (SQLite under ``var_dir`` when none is set)."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'shelfops.db').resolve()}"

    @property
    def resolved_migration_url(self) -> str:
        """The URL migrations run with (the schema owner)."""
        return self.migration_database_url or self.resolved_database_url

    @property
    def resolved_secret_key(self) -> str:
        """The secret key; the embedded placeholder only outside production."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _EMBEDDED_SECRET

    @property
    def previous_secret_keys(self) -> list[str]:
        """Earlier secret keys still accepted for decryption (newest first, as listed)."""
        if self.secret_key_previous is None:
            return []
        return [
            key.strip()
            for key in self.secret_key_previous.get_secret_value().split(",")
            if key.strip()
        ]

    @property
    def artifacts_dir(self) -> Path:
        """Where model artifacts live: ``<var_dir>/artifacts/<tenant>/<model>/<version>/``."""
        return self.var_dir / "artifacts"

    @property
    def contracts_dir(self) -> Path:
        """Where contract profiles live: ``<contracts_dir>/<tenant slug>/*.yaml``."""
        return self.contracts_dir_override or self.var_dir / "contracts"

    @property
    def dashboard_dir(self) -> Path:
        """Where the built dashboard lives (``frontend/dist`` of the checkout by default)."""
        return self.dashboard_dir_override or _CHECKOUT / "frontend" / "dist"

    @property
    def is_postgres(self) -> bool:
        """Whether the application database is PostgreSQL."""
        return self.resolved_database_url.startswith("postgresql")

    @property
    def tasks_in_process(self) -> bool:
        """Background work runs in-process when no broker is configured."""
        return self.broker_url is None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
