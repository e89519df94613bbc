"""The task import paths of seed 003, kept so its manual triggers work as written::

    from workers.retrain import retrain_forecast_model
    from workers.monitoring import run_daily_backtest

They are the ShelfOps Celery tasks themselves (``shelfops.registry.tasks`` and
``shelfops.monitoring.tasks``), not copies.
"""
