"""ShelfOps: demand forecasting and replenishment for retailers."""

__version__ = "0.1.0"
