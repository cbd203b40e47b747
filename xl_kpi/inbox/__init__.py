"""The submission inbox: departments submit their workbooks to the server, which checks and stores
them (:mod:`.store`, SQLite or PostgreSQL, schema by Alembic); the planning division sees who has
submitted and merges the accepted files (:mod:`.service`)."""
