"""The embedded default: one machine, SQLite, no broker, demo users allowed."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-not-secret-0f8b2c6e9d1a4e7b")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# Demo users (one per role) may be created only here, never in production.
CBM_DEMO_USERS = True
