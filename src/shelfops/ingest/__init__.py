"""Loading the canonical CSV files into a tenant's tables, validated and all-or-nothing."""
