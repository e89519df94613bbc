"""The production container shape (docker-compose.yml, Dockerfile, Dockerfile.ml) checked
against what Compose requires and against the code it runs: every service can be built or
pulled, every dependency exists, every ``SHELFOPS_*`` variable is a real setting and the
production settings validate, every command is a real ``shelfops`` command, and the API
image installs no ML packages. No Docker daemon is needed; when Debian's
``docker-compose`` is installed its own ``config`` check runs too."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from shelfops.cli import app as cli_app
from shelfops.config import Environment, Settings
from shelfops.kit.extras import ML_PACKAGES

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
REQUIRED_SERVICES = {"api", "ml-worker", "beat", "mlflow", "redis", "postgres"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def _compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


def _services() -> dict[str, dict[str, Any]]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    return services


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment in either Compose form (mapping or ``KEY=value`` list)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command") or []
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def _setting_env_names() -> set[str]:
    """The environment variable of every Settings field (its alias, or prefix + name)."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return {
        (field.alias or f"{prefix}{name}").upper() for name, field in Settings.model_fields.items()
    }


def _dockerfile(path: Path) -> str:
    # Continuation lines joined, so one RUN is one line.
    return re.sub(r"\\\n\s*", " ", path.read_text())


def _pip_extras(dockerfile: str) -> list[set[str]]:
    """The extras of every ``pip install '.[…]'`` in a Dockerfile."""
    installs = re.findall(r"pip install[^\n]*?['\"]?\.\[([^\]]+)\]", dockerfile)
    return [{extra.strip() for extra in found.split(",")} for found in installs]


def test_every_service_can_be_built_or_pulled_and_required_ones_exist() -> None:
    services = _services()
    assert set(services) >= REQUIRED_SERVICES
    for name, service in services.items():
        assert "image" in service or "build" in service, f"{name}: needs image or build"
        build = service.get("build")
        if build is not None:
            context = REPO / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
            assert context.is_dir(), f"{name}: build context {context} is missing"
            assert (context / (dockerfile or "Dockerfile")).is_file(), f"{name}: no Dockerfile"
    assert "timescale" in services["postgres"]["image"]


def test_dependencies_exist_and_waited_for_health_has_a_check() -> None:
    services = _services()
    for name, service in services.items():
        for dependency, condition in _depends_on(service).items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            assert condition in CONDITIONS, f"{name}: unknown condition {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
    for name in REQUIRED_SERVICES:
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    # The schema is migrated before anything that uses the database starts.
    for name in ("api", "ml-worker", "beat"):
        assert _depends_on(services[name]).get("migrate") == "service_completed_successfully"


def test_every_shelfops_variable_is_a_setting_and_production_settings_validate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    known = _setting_env_names()
    assert "SHELFOPS_DATABASE_URL" in known and "SHELFOPS_DASHBOARD_DIR" in known
    for name, service in _services().items():
        env = _environment(service)
        unknown = {key for key in env if key.startswith("SHELFOPS_") and key not in known}
        assert not unknown, f"{name}: {sorted(unknown)} are not ShelfOps settings"
        if not any(key.startswith("SHELFOPS_") for key in env):
            continue
        # The values, with ${…} filled in, must satisfy Settings (production: secrets set).
        for key in list(os.environ):
            if key.startswith("SHELFOPS_"):
                monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, INTERPOLATION.sub("placeholder", value))
        settings = Settings()
        assert settings.env is Environment.PRODUCTION, name
        assert settings.is_postgres and not settings.tasks_in_process, name
        assert settings.mlflow_tracking_uri == "http://mlflow:5000", name


def test_secrets_come_from_the_environment_and_env_example_names_them() -> None:
    text = COMPOSE.read_text()
    for name, service in _services().items():
        env = _environment(service)
        for key in ("SHELFOPS_SECRET_KEY", "POSTGRES_PASSWORD"):
            if key in env:
                assert INTERPOLATION.fullmatch(env[key]), f"{name}: {key} is a literal secret"
    # Every variable Compose must be given (no default) is documented in .env.example.
    required = {
        match.group(1)
        for match in INTERPOLATION.finditer(text)
        if match.group(2) in (None, ":?", "?")
    }
    assert {"SHELFOPS_SECRET_KEY", "POSTGRES_PASSWORD"} <= required
    documented = {
        line.split("=", 1)[0].strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert required <= documented, f"not in .env.example: {sorted(required - documented)}"


def test_services_run_real_shelfops_commands() -> None:
    commands = typer.main.get_command(cli_app).commands  # type: ignore[attr-defined]
    services = _services()
    expected = {"api": "serve", "ml-worker": "worker", "beat": "beat", "migrate": "migrate"}
    for name, subcommand in expected.items():
        command = _command(services[name])
        assert command[:2] == ["shelfops", subcommand], f"{name}: {command}"
        assert subcommand in commands
    worker = _command(services["ml-worker"])
    assert "ml,sync" in worker  # both queues are consumed somewhere
    assert _command(services["mlflow"])[:2] == ["mlflow", "server"]


def test_api_image_installs_only_the_api_extra_and_ml_image_the_ml_extra() -> None:
    services = _services()
    api_build = services["api"]["build"]
    api_dockerfile = _dockerfile(REPO / api_build["dockerfile"])
    assert _pip_extras(api_dockerfile) == [{"api"}]
    for package in (*ML_PACKAGES, "scikit-learn", "torch", "xgboost-cpu"):
        assert not re.search(rf"pip install[^\n]*\b{re.escape(package)}\b", api_dockerfile)
    for name in ("ml-worker", "beat", "mlflow"):
        ml_dockerfile = _dockerfile(REPO / services[name]["build"]["dockerfile"])
        extras = re.search(r"ARG EXTRAS=([\w,]+)", ml_dockerfile)
        assert extras is not None and set(extras.group(1).split(",")) >= {"api", "ml"}
        assert _pip_extras(ml_dockerfile) == [{"${EXTRAS}"}]
    for dockerfile in (api_dockerfile, ml_dockerfile):
        assert re.search(r"^USER (?!root\b|0\b)\S+", dockerfile, re.MULTILINE), "runs as root"


def test_api_image_builds_and_serves_the_dashboard() -> None:
    dockerfile = _dockerfile(REPO / "Dockerfile")
    assert re.search(r"RUN npm ci\b", dockerfile) and "npm run build" in dockerfile
    copied = re.search(r"COPY --from=\S+ /build/frontend/dist (\S+)", dockerfile)
    assert copied is not None
    assert re.search(rf"SHELFOPS_DASHBOARD_DIR={re.escape(copied.group(1))}\b", dockerfile)
    assert re.search(r"^HEALTHCHECK .*?/health", dockerfile, re.MULTILINE)
    assert re.search(r'^CMD \["shelfops", "serve"\]', dockerfile, re.MULTILINE)
    assert (REPO / "frontend" / "package-lock.json").is_file()


def test_dockerignore_keeps_local_state_out_of_the_build() -> None:
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var", "reports", "frontend/node_modules", ".env"} <= ignored


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed here; the structural checks above ran")
    env_file = tmp_path / ".env"
    env_file.write_text(ENV_EXAMPLE.read_text())
    result = subprocess.run(
        [binary, "--env-file", str(env_file), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
