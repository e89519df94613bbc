"""A request dependency for routes that change the registry: re-mirror it (MLflow aliases,
registry files) after the response, i.e. after the request's transaction committed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import BackgroundTasks, Depends

from shelfops.api.deps import SessionmakerDep, SettingsDep
from shelfops.registry import mirror, service


class MirrorLater:
    """Call it with the tenant (and model) whose registry changed in this request."""

    def __init__(
        self, background: BackgroundTasks, sessionmaker: SessionmakerDep, settings: SettingsDep
    ) -> None:
        self._background, self._sessionmaker, self._settings = background, sessionmaker, settings

    def __call__(self, customer_id: uuid.UUID, model_name: str = service.DEFAULT_MODEL) -> None:
        mirror.sync_after_response(
            self._background,
            self._sessionmaker,
            self._settings,
            customer_id=customer_id,
            model_name=model_name,
        )


MirrorLaterDep = Annotated[MirrorLater, Depends()]
