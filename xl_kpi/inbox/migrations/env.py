"""Alembic's environment for the inbox: the connection comes from the caller
(:func:`xl_kpi.inbox.store.migrate` puts it in ``config.attributes["connection"]``); logging is
left as the application configured it."""

from alembic import context

from xl_kpi.inbox.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
