"""The shape of the code and its tests (issue 11), checked on the files themselves:

- no module of the apps is over 1,000 lines, so a file's name still says what it holds; a
  module that grows past that is split along its sections (as ``funding/models/``,
  ``funding/engine_types.py``, ``funding/statements.py`` and ``funding/scenarios/rebase.py``
  were). Migrations are generated and do not count;
- every test file is named ``test_<app>_<part>.py`` (browser tests in ``tests/browser/``
  alike), so the tests of a part are found by its name;
- no test accepts either of two status codes (``status_code in (403, 404)``): each says the
  answer it expects.

Each check is also shown to find what it looks for, on files written for it.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("kim_admin", "funding", "staffing", "carriers", "reports")
MAX_LINES = 1000
TEST_NAME = re.compile(rf"^test_({'|'.join(APPS)})_\w+\.py$")
EITHER_OR = re.compile(r"status_code\s+in\s*[(\[{]")
THIS_FILE = Path(__file__).name


def long_modules(root: Path, limit: int) -> list[str]:
    found = []
    for app in APPS:
        for module in sorted((root / app).rglob("*.py")):
            if "migrations" in module.relative_to(root).parts:
                continue
            lines = len(module.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                found.append(f"{module.relative_to(root)}: {lines} Zeilen")
    return found


def misnamed_tests(root: Path) -> list[str]:
    return [
        str(path.relative_to(root))
        for path in sorted((root / "tests").rglob("test_*.py"))
        if not TEST_NAME.match(path.name)
    ]


def either_or_statuses(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "tests").rglob("*.py")):
        if path.name == THIS_FILE:  # its examples of what it looks for
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if EITHER_OR.search(line):
                found.append(f"{path.relative_to(root)}:{number}")
    return found


def test_no_module_of_the_apps_is_over_1000_lines():
    assert long_modules(ROOT, MAX_LINES) == []


def test_every_test_file_is_named_after_its_app():
    assert misnamed_tests(ROOT) == []


def test_no_test_accepts_either_of_two_status_codes():
    assert either_or_statuses(ROOT) == []


def test_the_checks_find_what_they_look_for(tmp_path):
    (tmp_path / "funding" / "migrations").mkdir(parents=True)
    (tmp_path / "funding" / "long.py").write_text("x = 1\n" * 1001)
    (tmp_path / "funding" / "short.py").write_text("x = 1\n" * 1000)
    (tmp_path / "funding" / "migrations" / "0001_initial.py").write_text("x = 1\n" * 5000)
    assert long_modules(tmp_path, MAX_LINES) == ["funding/long.py: 1001 Zeilen"]

    (tmp_path / "tests" / "browser").mkdir(parents=True)
    for name in ("test_funding_views.py", "browser/test_staffing_units_browser.py"):
        (tmp_path / "tests" / name).write_text("assert response.status_code == 404\n")
    (tmp_path / "tests" / "test_jobs_worker.py").write_text("")
    (tmp_path / "tests" / "browser" / "test_layout_browser.py").write_text(
        "x = 1\nassert response.status_code in (403, 404)\n"
    )
    assert misnamed_tests(tmp_path) == [
        "tests/browser/test_layout_browser.py",
        "tests/test_jobs_worker.py",
    ]
    assert either_or_statuses(tmp_path) == ["tests/browser/test_layout_browser.py:2"]
