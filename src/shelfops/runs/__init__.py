"""Forecast and backtest runs on files: the library, its reports, and tracking.

This is the worker side of the forecasting engine: it reads an input file, runs the
Pandera gates and the pipeline, writes outputs, charts and SHAP explanations, and
tracks the run in MLflow (or a JSON file when MLflow is unreachable). The CLI commands
``shelfops forecast`` and ``shelfops backtest`` are thin wrappers around it.
"""
