"""Settings for the test suite: the app's own, with a fast password hasher.

Every test user's password is hashed once; with the production hasher (PBKDF2, deliberately
slow) that alone took most of the suite's time. MD5 is fine for throw-away test passwords and
never used outside the tests.
"""

from kim_admin.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Jobs run at once inside the request that starts them, so the suite's pages and API see
# their results; tests/test_kim_admin_jobs_worker.py runs the database backend with the real
# worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# The suite's PostgreSQL databases are thrown away after the run: a commit (the browser and
# job tests commit, and flush after each test) need not wait for the disk to confirm it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
