"""The test suite.

Files are named ``test_<app>[_<area>]_<layer>.py``:

- ``<app>`` is the app under test: funding, staffing, carriers, reports or kim_admin (the
  machinery every app shares: roles, scoping, admin, commands, login and start page);
- ``<area>`` is a sub-domain where an app has several (forecasts, settlements, scenarios,
  projections, rates, overview, occupancies; a seed setup such as coesfeld);
- ``<layer>`` is what is tested: models, rules, calculations, selectors, services, views, api,
  write_api, admin, commands, seeds, pdf, imports, properties (hypothesis), or the module's own
  name for a module of its own (money, overview, position_years).

Browser tests live in ``tests/browser/`` as ``test_<app>_<area>_browser.py``.

Shared fixtures: ``tests/conftest.py``; factories: ``tests/factories.py``; the pages every CRUD
model shares are tested by declaration through ``tests/generic.py``.
"""
