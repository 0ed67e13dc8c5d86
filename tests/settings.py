"""Django settings for the test suite: Vigil's own, with a throwaway secret key,
plain-http cookies (the test client does not speak TLS) and a fast password hasher.
Nothing else differs."""

import os

os.environ.setdefault("VIGIL_SECRET_KEY", "test-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("VIGIL_HTTPS", "0")

from vigil.web.settings import *  # noqa: F403

# Argon2 costs up to a second per password on a busy machine, and the suite makes
# hundreds of users; what the site uses is checked against vigil.web.settings itself
# (tests/web/test_security.py::test_production_hashes_passwords_with_argon2), and the
# subprocess tests (vigil serve, the CLI) run with the production settings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
