"""Shared plumbing used by every domain package. Imports no domain code."""
