"""Model monitoring: accuracy, backtests, drift, ML alerts and SLO freshness."""
