"""Limit/offset pagination shared by every list endpoint.

A list route takes ``limit`` and ``offset`` query parameters (declare a filter model that
subclasses :class:`PageParams` and use it as ``Annotated[MyFilters, Query()]``) and
answers ``{"items": [...], "total": N, "limit": L, "offset": O}``, where ``total`` counts
every matching row, not just this page, so a client can draw a pager.

Pure pydantic on purpose: nothing here needs FastAPI, so services can build pages too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# SQL OFFSET is a 64-bit integer (PostgreSQL BIGINT, SQLite INTEGER): a larger offset would
# fail in the database driver instead of answering an empty page.
MAX_OFFSET = 2**63 - 1

T = TypeVar("T")


class PageParams(BaseModel):
    """Which slice of a list to return."""

    # FastAPI reads a query-parameter model from the query string; unknown parameters
    # are ignored rather than rejected so that a client can add tracking parameters.
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(
        default=DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"Maximum number of items to return (1 to {MAX_LIMIT}).",
    )
    offset: int = Field(
        default=0, ge=0, le=MAX_OFFSET, description="Number of matching items to skip."
    )


class Page(BaseModel, Generic[T]):
    """One page of a list. Subclass with a concrete item type (``class StorePage(Page[StoreRead])``)
    so that the OpenAPI schema, and the client generated from it, gets a readable name."""

    items: list[T] = Field(description="The items of this page, in a stable order.")
    total: int = Field(ge=0, description="Number of items matching the filters, on all pages.")
    limit: int = Field(description="The limit that was applied.")
    offset: int = Field(description="The offset that was applied.")

    @classmethod
    def build(cls, items: Iterable[T], *, total: int, params: PageParams) -> Self:
        """A page of ``items`` out of ``total`` matches, echoing the request's ``params``."""
        return cls(items=list(items), total=total, limit=params.limit, offset=params.offset)
