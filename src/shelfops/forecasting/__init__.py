"""The forecasting engine: a pure library (no database, HTTP, Celery or MLflow inside).

Data flows as a :class:`~shelfops.forecasting.panel.Panel` (dense series × period
matrices built from a long ``unique_id, ds, y`` frame); every model implements
:class:`~shelfops.forecasting.models.base.Forecaster`; quantiles come from conformal
calibration on backtest residuals (:mod:`shelfops.forecasting.calibration`).
"""
