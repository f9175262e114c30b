"""The signed validation report: the same finding in every language, each statement in the
language asked for, verifiable with xmlsec1 against the reporting node's root."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped]

from qyzmet.crossborder.envelope import NS
from qyzmet.crossborder.report import validation_report_write
from qyzmet.crossborder.validation import ForeignValidation
from tests.documents.pki import make_pki

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
PASSED = ForeignValidation(
    territory="RU", indication="TOTAL-PASSED", problems=(), signer="CN=Node RU,C=RU",
    moment=AT, moment_source="timestamp", check=None,
)  # fmt: skip
UNSURE = ForeignValidation(
    territory="RU", indication="INDETERMINATE", problems=("untrusted",), signer="CN=Someone",
    moment=AT, moment_source="claimed", check=None,
)  # fmt: skip
STATEMENTS = {
    "kk": ("CN=Node RU,C=RU қолтаңбасы қойылған сәтте", "растау мүмкін емес: untrusted"),
    "ru": ("Подпись CN=Node RU,C=RU была действительна", "Невозможно подтвердить"),
    "en": ("The signature of CN=Node RU,C=RU was valid when it was made", "cannot be confirmed"),
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_report_states_each_finding_in_the_language_asked_for(
    language: str, tmp_path: Path
) -> None:
    pki = make_pki("ec")
    xml = validation_report_write(
        b"<document/>", [PASSED, UNSURE], language=language, at=AT, signer=pki.signer
    )
    root = etree.fromstring(xml)
    signatures = root.findall(f"{{{NS}}}Signature")
    indications = [s.findtext(f"{{{NS}}}Indication") for s in signatures]
    assert indications == ["TOTAL-PASSED", "INDETERMINATE"]
    statements = [s.find(f"{{{NS}}}Statement") for s in signatures]
    assert {s.get("{http://www.w3.org/XML/1998/namespace}lang") for s in statements} == {language}
    passed, unsure = STATEMENTS[language]
    assert passed in statements[0].text
    assert "2026-12-04 10:00:00 UTC" in statements[0].text
    assert unsure in statements[1].text
    path = tmp_path / "report.xml"
    path.write_bytes(xml)
    verified = subprocess.run(  # noqa: S603 - a fixed program, our own files
        ["xmlsec1", "--verify", "--trusted-pem", str(pki.write_root(tmp_path / "root.pem")),  # noqa: S607
         str(path)],
        capture_output=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
