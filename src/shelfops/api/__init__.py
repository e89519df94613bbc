"""The HTTP API: app factory, auth, error handlers, router registration."""
