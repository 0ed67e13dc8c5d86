"""Django settings for the test suite: Vigil's own, with a throwaway secret key and
plain-http cookies (the test client does not speak TLS). Nothing else differs."""

import os

os.environ.setdefault("VIGIL_SECRET_KEY", "test-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("VIGIL_HTTPS", "0")

from vigil.web.settings import *  # noqa: F403
