"""Model versions in MLflow's model registry, with ``champion`` / ``challenger`` aliases.

The ShelfOps database is the source of truth; MLflow mirrors it. Each tenant's model is
one registered model named ``shelfops.<tenant id>.<model name>``; each ShelfOps version is
one MLflow model version tagged ``shelfops.version`` (MLflow numbers its versions itself).
:func:`sync_aliases` moves the aliases to wherever the database says they belong.
"""

from __future__ import annotations

import uuid

from shelfops.tracking.store import mlflow_call_env

VERSION_TAG = "shelfops.version"


def registered_name(customer_id: uuid.UUID, model_name: str) -> str:
    """The MLflow registered-model name of a tenant's model."""
    return f"shelfops.{customer_id}.{model_name}"


def _client(tracking_uri: str):  # type: ignore[no-untyped-def]  # MLflow is untyped here
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def register_version(
    tracking_uri: str,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    version: str,
    run_id: str,
    artifact_path: str,
    request_timeout_s: float = 30.0,
) -> str:
    """Register the run's artifact directory ``artifact_path`` (already logged with the
    run) as a version of the tenant's model; returns MLflow's version number.
    Re-registering the same ShelfOps version returns the existing MLflow version (a
    redelivered task changes nothing)."""
    from mlflow.exceptions import MlflowException

    name = registered_name(customer_id, model_name)
    with mlflow_call_env(request_timeout_s):
        client = _client(tracking_uri)
        existing = _find(client, name, version)
        if existing is not None:
            return existing
        try:
            client.create_registered_model(name, tags={"shelfops.tenant": str(customer_id)})
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        run = client.get_run(run_id)
        created = client.create_model_version(
            name,
            source=f"{run.info.artifact_uri}/{artifact_path}",
            run_id=run_id,
            tags={VERSION_TAG: version},
        )
        return str(created.version)


def sync_aliases(
    tracking_uri: str,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    aliases: dict[str, str | None],
    request_timeout_s: float = 30.0,
) -> dict[str, str | None]:
    """Point each alias (``champion``, ``challenger``) at the MLflow version of the named
    ShelfOps version, or remove it when the value is None. Returns alias → MLflow version."""
    from mlflow.exceptions import MlflowException

    name = registered_name(customer_id, model_name)
    result: dict[str, str | None] = {}
    with mlflow_call_env(request_timeout_s):
        client = _client(tracking_uri)
        for alias, version in aliases.items():
            target = _find(client, name, version) if version else None
            if target is None:
                try:
                    client.delete_registered_model_alias(name, alias)
                except MlflowException as exc:
                    if exc.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
                        raise
            else:
                client.set_registered_model_alias(name, alias, target)
            result[alias] = target
    return result


def alias_versions(tracking_uri: str, *, customer_id: uuid.UUID, model_name: str) -> dict[str, str]:
    """alias → ShelfOps version, as MLflow has them now (for checks and tests)."""
    name = registered_name(customer_id, model_name)
    client = _client(tracking_uri)
    model = client.get_registered_model(name)
    out: dict[str, str] = {}
    for alias, mlflow_version in (model.aliases or {}).items():
        tags = client.get_model_version(name, mlflow_version).tags or {}
        out[alias] = tags.get(VERSION_TAG, "")
    return out


def _find(client, name: str, version: str) -> str | None:  # type: ignore[no-untyped-def]
    from mlflow.exceptions import MlflowException

    try:
        found = client.search_model_versions(
            f"name = '{name}' and tags.`{VERSION_TAG}` = '{version}'"
        )
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    return str(found[0].version) if found else None
