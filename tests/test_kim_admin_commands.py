"""load_demo refuses a broken copy of a seed fixture whole, with German messages.

Kept apart from the seed tests: these need an empty database, not the loaded demo data.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from carriers.models import Organisation
from funding.models import Programme, Scenario
from staffing.models import Position

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


# === oberberg ===

# --- A broken copy of the fixture is refused whole ---------------------------------------------


def broken_copy_oberberg(tmp_path, change):
    rows = json.loads((FIXTURES / "02_oberberg.json").read_text(encoding="utf-8"))
    change(rows)
    path = tmp_path / "02_oberberg_broken.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def row_oberberg(rows, model, pk):
    (found,) = [r for r in rows if r["model"] == model and r["pk"] == pk]
    return found["fields"]


def assert_nothing_saved_oberberg():
    assert not Organisation.objects.filter(slug__in=["oberbergischer-kreis", "hueckeswagen"])
    assert not Position.objects.exists()
    assert not Programme.objects.exists()


def test_load_demo_refuses_occupancy_beyond_the_position_end(db, tmp_path):
    def change(rows):
        row_oberberg(rows, "staffing.occupancy", 2001)["end"] = "2024-06-30"

    path = broken_copy_oberberg(tmp_path, change)
    with pytest.raises(CommandError) as refused:
        call_command("load_demo", str(FIXTURES / "00_programme.json"), str(path), "--no-users")
    message = str(refused.value)
    assert "nichts wurde gespeichert" in message
    assert "Die Besetzung reicht über das Ende der Stelle (31.12.2023) hinaus." in message
    assert_nothing_saved_oberberg()


def test_load_demo_refuses_town_shares_not_summing_to_100(db, tmp_path):
    def change(rows):
        row_oberberg(rows, "staffing.positiontown", 2002)["share"] = "40.0000"  # 50 % + 40 %

    path = broken_copy_oberberg(tmp_path, change)
    with pytest.raises(CommandError) as refused:
        call_command("load_demo", str(FIXTURES / "00_programme.json"), str(path), "--no-users")
    message = str(refused.value)
    assert "nichts wurde gespeichert" in message
    assert "Die Anteile der Kommunen müssen zusammen 100 % ergeben (jetzt 90 %)" in message
    assert_nothing_saved_oberberg()


# === coesfeld ===


def test_load_demo_refuses_occupancy_above_the_fte(db, tmp_path):
    rows = json.loads((FIXTURES / "03_coesfeld.json").read_text(encoding="utf-8"))
    (occupancy,) = [r for r in rows if r["model"] == "staffing.occupancy" and r["pk"] == 3003]
    occupancy["fields"]["fte"] = "1.000"  # the position "Region Nord 3" has 0.5 FTE
    path = tmp_path / "03_coesfeld_broken.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("load_demo", str(FIXTURES / "00_programme.json"), str(path), "--no-users")
    message = str(refused.value)
    assert "nichts wurde gespeichert" in message
    assert "Die Besetzung (1 VZ) übersteigt den Stellenanteil der Stelle (0,5 VZ)." in message
    assert not Organisation.objects.filter(slug="kreis-coesfeld").exists()
    assert not Position.objects.exists()
    assert not Programme.objects.exists()


# === wesel ===

# --- A broken copy of the fixture is refused whole ---------------------------------------------


def broken_copy_wesel(tmp_path, change):
    rows = json.loads((FIXTURES / "04_wesel.json").read_text(encoding="utf-8"))
    change(rows)
    path = tmp_path / "04_wesel_broken.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def assert_nothing_saved_wesel():
    assert not Organisation.objects.filter(slug__in=["kreis-wesel", "voerde"]).exists()
    assert not Scenario.objects.exists()
    assert not Position.objects.exists()
    assert not Programme.objects.exists()


def test_load_demo_refuses_a_town_without_its_county(db, tmp_path):
    def change(rows):
        (voerde,) = [r for r in rows if r["fields"].get("slug") == "voerde"]
        voerde["fields"]["parent"] = None

    path = broken_copy_wesel(tmp_path, change)
    with pytest.raises(CommandError) as refused:
        call_command("load_demo", str(FIXTURES / "00_programme.json"), str(path), "--no-users")
    message = str(refused.value)
    # The town without its county, and Voerde's own position, whose employer is then no
    # town of Kreis Wesel.
    assert "Die Demodaten verletzen 2 Regel(n); nichts wurde gespeichert" in message
    assert "Eine kreisangehörige Kommune gehört zu einem Kreis." in message
    assert "„Stadt Voerde (Niederrhein)“ gehört nicht zu Kreis Wesel" in message
    assert_nothing_saved_wesel()


def negative_material_wesel(rows):
    (first,) = [r for r in rows if r["model"] == "staffing.positioncost" and r["pk"] == 4001]
    first["fields"]["material"] = "-100.00"


def test_load_demo_refuses_a_negative_amount_whole(db, tmp_path):
    path = broken_copy_wesel(tmp_path, negative_material_wesel)
    with pytest.raises(CommandError):
        call_command("load_demo", str(FIXTURES / "00_programme.json"), str(path), "--no-users")
    assert_nothing_saved_wesel()


def test_load_demo_explains_a_negative_amount_in_german(db, tmp_path):
    path = broken_copy_wesel(tmp_path, negative_material_wesel)
    with pytest.raises(CommandError, match="Der Betrag darf nicht negativ sein"):
        call_command("load_demo", str(FIXTURES / "00_programme.json"), str(path), "--no-users")


def test_if_empty_keeps_what_users_changed(db):
    """make run loads the demo data into an empty database only; a restart keeps edits."""
    call_command(
        "load_demo",
        str(FIXTURES / "00_programme.json"),
        str(FIXTURES / "01_leverkusen.json"),
        "--no-users",
        verbosity=0,
    )
    position = Position.objects.get(pk=1005)
    position.title = "Im Browser umbenannt"
    position.save()
    call_command("load_demo", "--if-empty", "--no-users", verbosity=0)
    position.refresh_from_db()
    assert position.title == "Im Browser umbenannt"
    # Without --if-empty the fixtures win again (an explicit reload).
    call_command("load_demo", str(FIXTURES / "01_leverkusen.json"), "--no-users", verbosity=0)
    position.refresh_from_db()
    assert position.title == "Casemanagement Caritas 1"


def test_demo_rows_have_a_first_history_record(db):
    call_command(
        "load_demo",
        str(FIXTURES / "00_programme.json"),
        str(FIXTURES / "01_leverkusen.json"),
        "--no-users",
        verbosity=0,
    )
    position = Position.objects.get(pk=1005)
    assert position.history.count() == 1
    # Every organisation too, although loaddata's many-to-many writes record some of them.
    organisations = Organisation.objects.all()
    assert organisations.count() == 4  # the city and its three carriers
    for organisation in organisations:
        assert organisation.history.exists(), organisation
    position.title = "Neu"
    position.save()
    latest, first = position.history.order_by("-history_id")[:2]
    assert [c.field for c in latest.diff_against(first).changes] == ["title"]


def test_every_demo_fixture_passes_the_rule_check(db):
    """The suite's demo fixture skips the rule check (tests/conftest.py); this is where the
    whole demo data set is checked against every rule of the plan, as ``make run`` loads it."""
    from kim_admin.validation import plan_problems

    call_command("load_demo", "--no-users", verbosity=0)
    assert Organisation.objects.filter(slug__in=["leverkusen", "coesfeld"]).count() == 2
    assert plan_problems() == []
