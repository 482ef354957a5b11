"""A pytest plugin loaded before Django settings (-p tests.environment): tests never touch a real workspace."""

import os
import tempfile

os.environ["CARELOOP_HOME"] = tempfile.mkdtemp(prefix="careloop-test-")
os.makedirs(os.path.join(os.environ["CARELOOP_HOME"], "static"), exist_ok=True)
os.environ.setdefault("CARELOOP_SECRET_KEY", "test-only-secret-key-not-for-production")
# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# inside one unless told that this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ["CARELOOP_TESTING"] = "1"
