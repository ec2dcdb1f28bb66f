import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdiscount_integration.settings")

application = get_wsgi_application()

# gunicorn runs no system checks: a key that cannot read the stored secrets stops the boot here.
from channels.checks import refuse_to_start_on_key_errors  # noqa: E402

refuse_to_start_on_key_errors()
