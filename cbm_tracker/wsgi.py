"""WSGI entry point (gunicorn cbm_tracker.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbm_tracker.settings.production")

application = get_wsgi_application()
