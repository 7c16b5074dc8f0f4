"""Settings for the test suite: the real database from DATABASE_URL, fast hashing."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("BALLOT_SEAL_KEY", "test-only-ballot-seal-key-" + "y" * 40)
os.environ["DEBUG"] = "false"

from config.settings import *  # noqa: E402,F403
from config.settings import COLLEGIA  # noqa: E402

# The demo never writes its election secrets into the source tree during tests: each test
# process has its own folder (tests that read the files set one of their own).
DEMO_SECRETS_DIR = Path(tempfile.gettempdir()) / f"collegia-demo-election-{os.getpid()}"
# The audit chain is signed with this key in tests; tests of rotation override it.
AUDIT_KEY = "test-1:" + "t" * 43
AUDIT_KEY_FILE = ""
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Mail stays in memory, unless a test's server process is told to send by SMTP (to a
# server the test started).
if not os.environ.get("EMAIL_BACKEND"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tests that need Redis build their own channel layers on REDIS_URL; the rest
# use the in-memory layer so that one test's groups never leak into another's.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Turnout is pushed right after each ballot commits, so tests read it without waiting;
# tests/voting/test_live.py sets a delay to check the coalescing.
COLLEGIA = {
    **COLLEGIA,
    "WEBHOOK_ALLOW_PRIVATE_DESTINATIONS": True,
    "TURNOUT_PUSH_SECONDS": 0,
    # Tests import the ASGI application: the test process keeps Python's own collector
    # and switch interval.
    "GC_FULL_COLLECT_SECONDS": 0,
    "ASGI_SWITCH_INTERVAL_SECONDS": 0,
}
