"""Stores, products and suppliers."""
