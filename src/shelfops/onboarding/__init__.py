"""Onboarding a customer's data: contract profiles (what a source's columns mean), the
mapper that turns a source file into the canonical frames, the data-quality checks, the
artifacts every run leaves behind, and the all-or-nothing import through
:mod:`shelfops.ingest`."""
