"""Replenishment: turning demand forecasts into stock decisions, and measuring them.

* :mod:`.policy` — the pure math per store × SKU: inventory position, lead-time demand
  distribution from the forecast error, safety stock for a cycle service level or a fill
  rate, reorder point, order-up-to level, EOQ, MOQ and pack rounding.
* :mod:`.simulate` — replays history day by day under a policy (forecast-driven, the
  static rule most retailers run, or an oracle) and measures fill rate, cycle service
  level, stock, stock-out days and cost.
"""
