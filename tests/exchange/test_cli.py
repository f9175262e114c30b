"""The operator's commands for the exchange, as docs/exchange.md shows them."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import CommandError, call_command

from qyzmet.exchange.directory import directory
from qyzmet.exchange.models import Grant, SubsystemCertificate
from qyzmet.trust.authority import TrustSetup, sha256_of
from tests.exchange.world import PERSON

OFFICE = "QZ/GOV/990240000030/benefits-office"


def _run(*args: str, **options: object) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def _csr(directory: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "benefits office")]))
        .sign(key, hashes.SHA256())
    )
    path = directory / "office.csr"
    path.write_bytes(request.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.mark.parametrize("tls", [False, True])
def test_an_agency_joins_and_gets_access(trust: TrustSetup, tmp_path: Path, tls: bool) -> None:
    assert "mediator" in _run("exchange_init")
    _run("exchange_subsystem", OFFICE)
    flags = ["--tls"] if tls else []
    _run(
        "exchange_certify",
        OFFICE,
        "--csr",
        str(_csr(tmp_path)),
        "--out",
        str(tmp_path / "c.pem"),
        *flags,
    )
    leaf = x509.load_pem_x509_certificates((tmp_path / "c.pem").read_bytes())[0]
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert (ExtendedKeyUsageOID.CLIENT_AUTH in usage) is tls
    assert SubsystemCertificate.objects.get(sha256=sha256_of(leaf)).subsystem.identifier == OFFICE
    assert OFFICE in _run("exchange_grant", OFFICE, PERSON, "--purpose", "benefit-assignment")
    client = directory().subsystems[OFFICE]
    assert directory().granted(client, directory().services[PERSON]) == {"benefit-assignment"}
    _run("exchange_revoke", OFFICE, PERSON)
    assert directory().granted(client, directory().services[PERSON]) is None
    assert Grant.objects.filter(revoked_at__isnull=False).count() == 1


def test_mistakes_are_explained(trust: TrustSetup, tmp_path: Path) -> None:
    _run("exchange_init")
    with pytest.raises(CommandError, match="not a client identifier"):
        _run("exchange_subsystem", "QZ/GOV/only-three")
    with pytest.raises(CommandError, match="No member"):
        _run("exchange_subsystem", "QZ/GOV/000000000000/x")
    with pytest.raises(CommandError, match="http:// or https://"):
        _run("exchange_subsystem", OFFICE, "--address", "ftp://example.org")
    _run("exchange_subsystem", OFFICE)
    with pytest.raises(CommandError, match="at least one purpose"):
        _run("exchange_grant", OFFICE, PERSON)
    with pytest.raises(CommandError, match="Unknown purposes: fishing"):
        _run("exchange_grant", OFFICE, PERSON, "--purpose", "fishing")
    with pytest.raises(CommandError, match="no such grant"):
        _run("exchange_revoke", OFFICE, PERSON)
    bad = tmp_path / "bad.csr"
    bad.write_text("not a request")
    with pytest.raises(CommandError, match="PKCS#10"):
        _run("exchange_certify", OFFICE, "--csr", str(bad), "--out", str(tmp_path / "x.pem"))
    own = _run("exchange_mediator").strip()
    assert own.endswith("/mediator")
    with pytest.raises(CommandError, match="own mediator"):
        _run("exchange_subsystem", own, "--mediator")
    with pytest.raises(CommandError, match="no exchange"):
        _run("exchange_export", "nothing", "--out", str(tmp_path / "b.zip"))


def test_init_twice_changes_nothing(trust: TrustSetup) -> None:
    _run("exchange_init")
    before = SubsystemCertificate.objects.count(), Grant.objects.count()
    _run("exchange_init")
    assert (SubsystemCertificate.objects.count(), Grant.objects.count()) == before
