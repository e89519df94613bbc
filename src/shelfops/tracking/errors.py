"""Errors raised by run tracking, all in the ShelfOps error family."""

from __future__ import annotations

from shelfops.kit.errors import BadRequest, ServiceUnavailable


class TrackingInputError(BadRequest):
    """The run record is unusable; the detail names the field and what was expected."""


class TrackingUnavailable(ServiceUnavailable):
    """The run could be written neither to MLflow nor to the fallback JSON file."""
