"""Alembic migrations of the query store (see ``env.py``; run them with ``layerbot db upgrade``)."""
