"""ASGI entry point of kim-admin."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kim_admin.settings")
application = get_asgi_application()
