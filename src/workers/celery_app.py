"""``workers.celery_app`` (seed 001 layout): the ShelfOps Celery application."""

from shelfops.worker import celery_app

__all__ = ["celery_app"]
