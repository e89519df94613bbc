"""Tenants (customers) and their API keys."""
