"""Browser tests: Playwright for Python driving Debian's chromium against Django's live server."""
