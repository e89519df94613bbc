"""``python -m shelfops`` runs the command line."""

from shelfops.cli import app

app()
