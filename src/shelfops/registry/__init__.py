"""Model versions of each tenant: artifacts, MLflow registration, the promotion gate,
model cards, champion/challenger/shadow status and every decision about them."""
