"""Numbers and flags in request bodies are JSON numbers and booleans.

pydantic's lax mode reads the string ``"12"`` as 12 and ``true`` as 1, so a client that
sends a quantity as text, or a checkbox's value where a count belongs, would have its
order placed instead of being told. Every numeric and boolean field of every request body
in the OpenAPI document is checked here, so a field added later without ``Strict`` fails
this test; one route per kind is then called for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from shelfops.api.app import create_app
from shelfops.config import Settings
from shelfops.models import Role
from tests.catalog.helpers import API, problem_fields, product_body
from tests.conftest import Tenant


def _schema_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield str(value).rsplit("/", 1)[-1]
            else:
                yield from _schema_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_names(value)


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """Names of every component a request body uses, nested ones included."""
    schemas = document["components"]["schemas"]
    names = {
        name
        for operations in document["paths"].values()
        for operation in operations.values()
        for name in _schema_names(operation.get("requestBody", {}))
    }
    while True:
        nested = {name for known in names for name in _schema_names(schemas.get(known, {}))}
        if nested <= names:
            return names
        names |= nested


def _project_models() -> dict[str, type[BaseModel]]:
    """Every pydantic model defined in the ``shelfops`` package, by class name."""
    found: dict[str, type[BaseModel]] = {}
    pending: list[type[BaseModel]] = [BaseModel]
    while pending:
        for model in pending.pop().__subclasses__():
            pending.append(model)
            if model.__module__.startswith("shelfops."):
                found[model.__name__] = model
    return found


def _typed_fields(tmp_path: Path) -> list[tuple[str, str, str]]:
    document = create_app(Settings(var_dir=tmp_path / "var")).openapi()
    schemas = document["components"]["schemas"]
    models = _project_models()
    fields = []
    for name in sorted(_request_schemas(document)):
        for field, spec in schemas[name].get("properties", {}).items():
            text = repr(spec)
            kinds = [kind for kind in ("integer", "number", "boolean") if f"'{kind}'" in text]
            if kinds:
                assert name in models, f"{name} is not a shelfops model"
                fields.append((name, field, kinds[0]))
    return fields


def test_every_number_and_flag_in_a_request_body_refuses_text_and_the_other_kind(
    tmp_path: Path,
) -> None:
    models = _project_models()
    fields = _typed_fields(tmp_path)
    # The bodies that carry numbers: quantities, ids, money, days, service levels, flags.
    assert {name for name, _, _ in fields} >= {
        "ApproveLine",
        "ReceiveLine",
        "ProductCreate",
        "SupplierUpdate",
        "PolicyOverride",
        "ServiceLevelTargetWrite",
    }
    lax = []
    for name, field, kind in fields:
        info = models[name].model_fields[field]
        annotation: Any = (
            Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        )
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        wrong = ("1", 1) if kind == "boolean" else ("1", True)
        for value in wrong:
            try:
                adapter.validate_python(value)
            except ValidationError:
                continue
            lax.append(f"{name}.{field} accepts {value!r}")
    assert lax == []


@pytest.mark.parametrize("pack_size", ["6", True, 6.5])
async def test_a_product_whose_pack_size_is_not_a_json_integer_is_422_and_not_stored(
    client: httpx.AsyncClient, tenant_a: Tenant, pack_size: Any
) -> None:
    planner = tenant_a.headers(Role.PLANNER)
    response = await client.post(
        f"{API}/products", json=product_body(pack_size=pack_size), headers=planner
    )
    assert response.status_code == 422, response.text
    assert problem_fields(response.json()) == {"pack_size"}
    assert (await client.get(f"{API}/products", headers=planner)).json()["total"] == 0
