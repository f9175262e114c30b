"""The trust and documents commands an operator runs: set up, list and import roots, revoke,
verify a file (exit status and the reason in words), export a person's documents."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command

from qyzmet.cli import main
from qyzmet.documents.samples import samples_issue
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup, seal_certificate_ensure
from qyzmet.trust.models import Certificate, TrustAnchor
from tests import factories
from tests.documents.pki import make_pki
from tests.trust.cases import (
    FORMATS,
    Format,
    Signer,
    signed_file,
    signer_identity,
    tampered,
    tampered_content,
)

pytestmark = pytest.mark.django_db

REASONS = {
    "digest-mismatch": "The content was changed after it was signed.",
    "bad-signature-value": "The signature value does not match the signed content.",
    "foreign": "The signer's certificate was not issued by a trusted authority.",
    "expired": "The signer's certificate had expired at the time of signing.",
    "revoked": "The signer's certificate was revoked before the signature was made.",
}
# What a changed byte breaks, per format (tests/trust/cases.py changes the signed content).
TAMPERED_REASON: dict[Format, str] = {
    "pdf": REASONS["digest-mismatch"],
    "xml": REASONS["digest-mismatch"],
    "json": REASONS["bad-signature-value"],
    "cms": REASONS["digest-mismatch"],
}


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _verify(path: Path, *options: str) -> tuple[bool, str]:
    """(exit status 0?, printed lines) of `qyzmet documents verify`."""
    out = io.StringIO()
    failure = ""
    try:
        call_command("documents_verify", str(path), *options, stdout=out)
    except CommandError as error:
        failure = str(error)
    assert failure in ("", f"{path}: NOT valid")
    return not failure, out.getvalue()


def _write(
    directory: Path, kind: Format, data: bytes, content: bytes | None
) -> tuple[Path, tuple[str, ...]]:
    """The file to verify and the options that go with it (the content of a detached CMS)."""
    path = directory / f"signed.{'p7s' if kind == 'cms' else kind}"
    path.write_bytes(data)
    if content is None:
        return path, ()
    (directory / "content.bin").write_bytes(content)
    return path, ("--content", str(directory / "content.bin"))


# --- trust ------------------------------------------------------------------------------


def test_trust_init_sets_up_once_and_reports_the_root() -> None:
    first = _call("trust_init")
    root = Certificate.objects.get(purpose="root-ca")
    assert first.splitlines() == [
        "trust created: root CN=qyzmet Root CA,O=qyzmet,C=KZ (ecdsa-p256)",
        f"root SHA-256 fingerprint: {root.sha256}",
    ]
    certificates = Certificate.objects.count()
    assert certificates == 4  # root, issuing CA, TSA, OCSP responder

    again = _call("trust_init", "--algorithm", "rsa-2048")
    assert again.splitlines()[0] == (
        "trust already set up: root CN=qyzmet Root CA,O=qyzmet,C=KZ (ecdsa-p256)"
    )
    assert f"root SHA-256 fingerprint: {root.sha256}" in again
    assert Certificate.objects.count() == certificates


@pytest.mark.parametrize("kind", ["ca", "tsa"])
def test_trust_roots_prints_the_trust_list_as_pem(trust: TrustSetup, kind: str) -> None:
    printed = _call("trust_roots", "--kind", kind)

    assert printed.startswith(f"# qyzmet Root CA sha256={trust.root.sha256}\n")
    (root,) = x509.load_pem_x509_certificates(printed.encode())
    assert root.public_bytes(serialization.Encoding.DER) == bytes(trust.root.der)


def test_an_imported_root_makes_documents_signed_under_it_valid(
    trust: TrustSetup, agencies: dict[str, Agency], tmp_path: Path
) -> None:
    foreign = make_pki("ec")
    data, _ = signed_file("xml", foreign.signer)
    signed = tmp_path / "foreign.xml"
    signed.write_bytes(data)
    valid, printed = _verify(signed)
    assert not valid
    assert REASONS["foreign"] in printed

    root = foreign.write_root(tmp_path / "national-root.pem")
    imported = _call("trust_import", str(root), "--name", "National CA")

    anchor = TrustAnchor.objects.get(name="National CA")
    assert (anchor.kind, anchor.imported, anchor.active) == ("ca", True, True)
    assert imported.strip() == f"trusted National CA (ca) sha256={anchor.sha256}"
    valid, printed = _verify(signed)
    assert valid, printed
    assert "chain: CN=Qyzmet Test Root,O=Qyzmet Test PKI,C=KZ" in printed
    assert printed.endswith(f"{signed}: valid\n")
    assert f"# National CA sha256={anchor.sha256}" in _call("trust_roots")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a certificate", "Not a PEM or DER X.509 certificate."),
        ("issuing", "A trust anchor must be a self-signed CA certificate."),
        ("signer", "A trust anchor must be a self-signed CA certificate."),
        (None, "No such file or directory"),
    ],
    ids=["garbage", "intermediate", "end-entity", "missing"],
)
def test_trust_import_refuses_what_is_not_a_root(
    trust: TrustSetup, tmp_path: Path, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / "candidate.pem"
    pki = make_pki("ec")
    if content == "issuing":
        pki.write_issuing(path)
    elif content == "signer":
        path.write_bytes(pki.signer.certificate.public_bytes(serialization.Encoding.PEM))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    anchors = TrustAnchor.objects.count()

    with pytest.raises(CommandError, match=message):
        _call("trust_import", str(path), "--name", "Whatever")

    assert TrustAnchor.objects.count() == anchors


def test_trust_revoke_by_serial(trust: TrustSetup, agencies: dict[str, Agency]) -> None:
    seal = seal_certificate_ensure(agency=agencies["internal-affairs"])

    printed = _call("trust_revoke", seal.serial.upper(), "--reason", "key-compromise")

    seal.refresh_from_db()
    assert seal.revoked_at is not None
    assert seal.revocation_reason == "key-compromise"
    assert printed.startswith(f"revoked {seal} at ")
    again = _call("trust_revoke", seal.serial)  # already revoked: nothing changes
    seal.refresh_from_db()
    assert seal.revocation_reason == "key-compromise"
    assert again == printed
    with pytest.raises(CommandError, match="no certificate with serial 00ff"):
        _call("trust_revoke", "00ff")


# --- documents verify -------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_documents_verify_passes_a_valid_document(
    trust: TrustSetup, agencies: dict[str, Agency], tmp_path: Path, kind: Format
) -> None:
    data, content = signed_file(kind, signer_identity("good", agencies["internal-affairs"]))
    path, options = _write(tmp_path, kind, data, content)

    valid, printed = _verify(path, *options)

    assert valid, printed
    assert ": VALID\n  signer: Ministry of Internal Affairs BIN" in printed
    assert "chain: CN=qyzmet Root CA,O=qyzmet,C=KZ" in printed
    assert "!" not in printed
    assert printed.endswith(f"{path}: valid\n")


@pytest.mark.parametrize("kind", FORMATS)
def test_documents_verify_fails_a_tampered_document_saying_why(
    trust: TrustSetup, agencies: dict[str, Agency], tmp_path: Path, kind: Format
) -> None:
    data, content = signed_file(kind, signer_identity("good", agencies["internal-affairs"]))
    changed = tampered(data, kind)
    path, options = _write(tmp_path, kind, changed, tampered_content(content) if content else None)

    valid, printed = _verify(path, *options, "--language", "en")

    assert not valid
    assert ": INVALID" in printed
    assert f"  ! {TAMPERED_REASON[kind]}" in printed


BAD_SIGNERS: tuple[Signer, ...] = ("foreign", "expired", "revoked")


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("signer", BAD_SIGNERS)
def test_documents_verify_fails_a_bad_signer_saying_why(
    trust: TrustSetup, agencies: dict[str, Agency], tmp_path: Path, signer: Signer, kind: Format
) -> None:
    data, content = signed_file(kind, signer_identity(signer, agencies["internal-affairs"]))
    path, options = _write(tmp_path, kind, data, content)

    valid, printed = _verify(path, *options, "--language", "en")

    assert not valid
    assert f"  ! {REASONS[signer]}" in printed
    for language in ("kk", "ru"):
        valid, translated = _verify(path, *options, "--language", language)
        assert not valid
        reasons = [line for line in translated.splitlines() if line.startswith("  ! ")]
        assert reasons
        assert all(line.removeprefix("  ! ").strip() for line in reasons)


def test_documents_verify_names_unreadable_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\nnot really\n")
    valid, printed = _verify(junk)
    assert not valid
    assert "  ! The file is damaged and cannot be read." in printed

    with pytest.raises(CommandError, match="No such file or directory"):
        call_command("documents_verify", str(tmp_path / "absent.pdf"), stdout=io.StringIO())


# --- documents export -------------------------------------------------------------------


def test_documents_export_writes_files_and_a_manifest_that_match(
    trust: TrustSetup, agencies: dict[str, Agency], tmp_path: Path
) -> None:
    person = factories.person(address_unit=factories.address())
    issued = samples_issue(person=person, language="ru", actor="test")
    out = tmp_path / "export"

    printed = _call("documents_export", "--iin", person.iin, "--out", str(out))

    assert printed.strip() == f"exported 3 documents to {out}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["iin"] == person.iin
    entries = {entry["file"]: entry for entry in manifest["documents"]}
    assert set(entries) == {document.filename for document in issued}
    assert {path.name for path in out.iterdir()} == {*entries, "manifest.json"}
    for document in issued:
        entry = entries[document.filename]
        data = (out / document.filename).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == document.blob_id
        assert entry["verification_code"] == document.short_code
        assert entry["verification_url"].endswith(f"/verify/{document.short_code}")
        assert (entry["format"], entry["language"]) == (document.format, "ru")
    # What was exported still verifies, and is recognised as the registered document.
    pdf = next(d for d in issued if d.format == "pdf")
    valid, report = _verify(out / pdf.filename)
    assert valid, report
    assert f"registered document {pdf.short_code}: {pdf.title}" in report


def test_documents_export_refuses_an_unknown_person(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no person with IIN 000000000000"):
        _call("documents_export", "--iin", "000000000000", "--out", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


# --- through the real entry point (last: Django closes the connection after it) --------


@pytest.mark.parametrize(("signer", "status"), [("good", 0), ("revoked", 1)])
def test_the_exit_status_of_documents_verify(
    trust: TrustSetup,
    agencies: dict[str, Agency],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    signer: Signer,
    status: int,
) -> None:
    data, _ = signed_file("xml", signer_identity(signer, agencies["internal-affairs"]))
    path = tmp_path / "signed.xml"
    path.write_bytes(data)

    try:
        code = main(["manage", "documents_verify", str(path), "--language", "en"])
    except SystemExit as exit_info:
        code = exit_info.code  # type: ignore[assignment]

    assert code == status
    captured = capsys.readouterr()
    if status:
        assert f"  ! {REASONS['revoked']}" in captured.out
        assert f"CommandError: {path}: NOT valid" in captured.err
    else:
        assert captured.out.endswith(f"{path}: valid\n")
