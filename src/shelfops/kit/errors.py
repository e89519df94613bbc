"""One error family. Every error ShelfOps raises on purpose derives from ``ShelfOpsError``
and carries its HTTP status; the API renders all of them as
``{"error": "<Name>", "detail": ...}`` and the CLI prints the same detail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ShelfOpsError(Exception):
    """Base of every deliberate error. ``detail`` is JSON-serialisable."""

    status_code = 500

    def __init__(self, detail: Any = None) -> None:
        self.detail = detail if detail is not None else self.__class__.__doc__
        super().__init__(detail if isinstance(detail, str) else repr(detail))

    @property
    def name(self) -> str:
        """The error's name as shown to clients."""
        return type(self).__name__


class BadRequest(ShelfOpsError):
    """The request cannot be processed as sent."""

    status_code = 400


class Unauthorized(ShelfOpsError):
    """A valid API key is required."""

    status_code = 401


class Forbidden(ShelfOpsError):
    """This API key's role may not perform the action."""

    status_code = 403


class NotFound(ShelfOpsError):
    """The resource does not exist for this tenant."""

    status_code = 404


class Conflict(ShelfOpsError):
    """The request conflicts with the current state (e.g. a duplicate natural key)."""

    status_code = 409


class PayloadTooLarge(ShelfOpsError):
    """The upload exceeds the configured size limit."""

    status_code = 413


def field_problem(
    location: Sequence[str | int], message: str, kind: str = "value_error"
) -> dict[str, Any]:
    """One problem with a request field, in the shape of the API's request-validation
    errors: ``{"location": ["body", "trigger"], "message": ..., "type": ...}``."""
    return {"location": list(location), "message": message, "type": kind}


class ValidationFailed(ShelfOpsError):
    """Input failed validation; ``detail`` lists the problems by row and column."""

    status_code = 422

    @classmethod
    def at(
        cls, location: Sequence[str | int], message: str, kind: str = "value_error"
    ) -> ValidationFailed:
        """A request field is wrong: the same detail shape as pydantic's 422s, so that a
        client reads every refused field the same way."""
        return cls([field_problem(location, message, kind)])


class ServiceUnavailable(ShelfOpsError):
    """A dependency (database, broker, optional package) is not available."""

    status_code = 503

    def __init__(self, detail: Any = None, *, retryable: bool = True) -> None:
        super().__init__(detail)
        # A dependency that is down may come back (answered with Retry-After); a package
        # this installation lacks will not, so retrying would only repeat the 503.
        self.retryable = retryable
