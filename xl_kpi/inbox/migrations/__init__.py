"""Alembic migrations of the inbox database (run by :func:`xl_kpi.inbox.store.migrate`)."""
