"""Integrations: how customer data arrives (SFTP, inbox folders, event streams), what
became of each run (the sync log and its health), and the ledgers that make every
transport idempotent."""
