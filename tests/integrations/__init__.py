"""Tests of the integrations: file transports, ledgers, polling, event streams."""
