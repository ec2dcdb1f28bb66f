"""Settings for the test suite: production settings with a test key and plain-http cookies."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1maWVsZC1lbmNyeXB0aW9uLWtleS0wMTIzNDU=")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Tests never reach a real Cdiscount server; the simulator fixture overrides these.
os.environ.setdefault("CDISCOUNT_AUTH_URL", "http://127.0.0.1:9/auth")
os.environ.setdefault("CDISCOUNT_API_URL", "http://127.0.0.1:9/seller/v2")
os.environ.setdefault("CDISCOUNT_STS_URL", "http://127.0.0.1:9/sts/")
os.environ.setdefault("CDISCOUNT_SOAP_URL", "http://127.0.0.1:9/soap")

# Celery tests run a real worker on the real Redis broker (a database of its own).
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_QUEUE", f"cdiscount-test-{os.getpid()}")

from .settings import *  # noqa: E402,F403

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
    # One test database per test process, so that two runs never drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_cdiscount_{os.getpid()}"}  # noqa: F405
else:
    # A file, not memory: the Celery worker process opens the same test database.
    VAR_DIR.mkdir(exist_ok=True)  # noqa: F405
    # One per test process, so that two runs in the same tree never share it.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")  # noqa: F405
    }

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise looks for it

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CDISCOUNT_TIMEOUT = 3.0
