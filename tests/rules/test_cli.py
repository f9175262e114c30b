"""`qyzmet rules ...` as docs/rules.md shows it."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from qyzmet.rules.checker import rule_check
from qyzmet.rules.models import Decision
from qyzmet.rules.population import eligible_population
from tests.rules.conftest import ON, Family

DEFS = Path(__file__).resolve().parents[2] / "src" / "qyzmet" / "rules" / "defs"


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_check_says_ok_or_names_file_line_and_column(tmp_path: Path) -> None:
    good = DEFS / "birth-benefit.rule"
    assert _run("rules_check", str(good)) == f"{good}: ok (reads benefits, children)\n"
    bad = tmp_path / "bad.rule"
    bad.write_text('alive\nand age >= "18"\n')
    errors = StringIO()
    with pytest.raises(CommandError, match="1 of 2 rule files have errors"):
        call_command("rules_check", str(good), str(bad), stdout=StringIO(), stderr=errors)
    assert errors.getvalue().splitlines() == [
        f"{bad}:2:5: cannot compare a number with a text",
        '  and age >= "18"',
        "      ^^^^^^^^^^^",
    ]


def test_the_qyzmet_command_runs_it_without_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rule"
    bad.write_text("count(pets) > 0")
    result = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "qyzmet.cli", "rules", "check", str(bad)],
        capture_output=True, text=True, check=False,
        env={"QYZMET_DATABASE_URL": f"sqlite:///{tmp_path}/none.sqlite3",
             "QYZMET_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 1
    assert f"{bad}:1:7: there is no list 'pets'" in result.stderr
    assert "Traceback" not in result.stderr


def test_publish_list_count_explain_and_replay(family: Family) -> None:
    files = sorted(str(p) for p in DEFS.glob("*.rule"))
    published = _run("rules_publish", *files)
    assert "emergency-payment-2020 v1 (" in published
    assert "emergency-payment-2020 v1 (" in _run("rules_publish", *files)  # unchanged
    assert "emergency-payment-2020" in _run("rules_list")

    expected = eligible_population(
        rule_check((DEFS / "emergency-payment-2020.rule").read_text()), on=ON
    ).count()
    counted = _run("rules_count", "emergency-payment-2020", "--on", ON.isoformat())
    assert counted.startswith(
        f"emergency-payment-2020 v1 on 2026-04-15: {expected} of 5 people qualify (SQL "
    )
    assert expected == 1  # the father

    explained = _run(
        "rules_explain", "emergency-payment-2020@1", "--iin", family.mother.iin,
        "--on", ON.isoformat(), "--language", "ru", "--record",
    )  # fmt: skip
    assert "[7:9] any(incomes where period >= start_of_month(today) - 1 month and" in explained
    assert "март 2026" in explained.lower()
    assert family.employer.bin in explained
    decision = Decision.objects.get()
    assert explained.endswith(f"decision {decision.public_id}\n")
    replayed = _run("rules_replay", str(decision.public_id), "--language", "en")
    assert "Incomes where period >= start_of_month(today) - 1 month and amount" in replayed


def test_a_file_can_be_tried_before_it_is_published(family: Family, tmp_path: Path) -> None:
    draft = tmp_path / "mothers.rule"
    draft.write_text('sex = "F" and count(children where age < 18) >= 2')
    counted = _run("rules_count", str(draft), "--on", ON.isoformat(), "--sql")
    assert 'SELECT COUNT(1) AS "n" FROM "registries_familylink"' in counted
    assert "mothers.rule (not published) on 2026-04-15: 1 of 5 people qualify" in counted


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("rules_count", "no-such-rule"), "rule 'no-such-rule' is not published"),
        (("rules_count", "emergency@7"), "version 7 of rule 'emergency' is not published"),
        (("rules_count", "Not A Code!"), "neither a rule file nor a rule code"),
        (("rules_explain", "missing.rule", "--iin", "1"), "cannot read missing.rule"),
        (("rules_replay", "not-a-uuid"), "no decision 'not-a-uuid'"),
    ],
)
@pytest.mark.django_db
def test_mistakes_get_plain_errors(args: tuple[str, ...], says: str) -> None:
    with pytest.raises(CommandError, match=says):
        _run(*args)


def test_explain_refuses_what_it_cannot_do(family: Family, tmp_path: Path) -> None:
    draft = tmp_path / "adults.rule"
    draft.write_text("age >= 18")
    with pytest.raises(CommandError, match="no population record for IIN 999999999999"):
        _run("rules_explain", str(draft), "--iin", "999999999999")
    with pytest.raises(CommandError, match="keeps decisions of published rules only"):
        _run("rules_explain", str(draft), "--iin", family.father.iin, "--record")
    with pytest.raises(CommandError, match="--through needs --purpose"):
        _run("rules_explain", str(draft), "--iin", family.father.iin, "--through", "QZ/x/y/z")
    draft.write_text("today + 9000 years > birth_date")
    with pytest.raises(CommandError, match="this date falls outside the calendar"):
        _run("rules_count", str(draft))
