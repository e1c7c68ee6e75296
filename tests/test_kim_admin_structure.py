"""The shape of the code (issue 11): no module of the apps is over 1,000 lines, so a file's
name still says what it holds; a module that grows past that is split along its sections
(as ``funding/models/``, ``funding/engine_types.py``, ``funding/statements.py`` and
``funding/scenarios/rebase.py`` were). Migrations are generated and do not count."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("kim_admin", "funding", "staffing", "carriers", "reports")
MAX_LINES = 1000


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


def test_no_module_of_the_apps_is_over_1000_lines():
    assert long_modules(ROOT, MAX_LINES) == []


def test_the_check_finds_a_long_module(tmp_path):
    (tmp_path / "funding" / "migrations").mkdir(parents=True)
    (tmp_path / "funding" / "long.py").write_text("x = 1\n" * 1001)
    (tmp_path / "funding" / "short.py").write_text("x = 1\n" * 1000)
    (tmp_path / "funding" / "migrations" / "0001_initial.py").write_text("x = 1\n" * 5000)
    assert long_modules(tmp_path, MAX_LINES) == ["funding/long.py: 1001 Zeilen"]
