"""WSGI entry point of kim-admin."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kim_admin.settings")
application = get_wsgi_application()
