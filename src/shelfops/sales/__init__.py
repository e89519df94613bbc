"""Daily sales (the time series): reading a tenant's history for forecasting."""
