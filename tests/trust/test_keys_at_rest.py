"""No private key can be read from a database dump: CA keys are in sealed files, the keys
the platform holds for people and agencies are sealed with a master key kept outside."""

from __future__ import annotations

import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.db import connection

from qyzmet.core.secretbox import master_key_path
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import (
    held_certificate_issue,
    seal_certificate_ensure,
    signing_identity,
    trust_init,
)
from qyzmet.trust.models import Certificate, Purpose
from tests.conftest import Persona


def _dump() -> bytes:
    settings = connection.settings_dict
    command = ["pg_dump", "--data-only", "-h", settings["HOST"] or "127.0.0.1"]
    command += ["-U", settings["USER"] or "postgres", settings["NAME"]]
    return subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603


def _secret_forms(certificate: Certificate) -> list[bytes]:
    """Ways a private key could appear in a dump: PKCS#8 DER (as bytea hex), PEM, raw scalar."""
    key = signing_identity(certificate).private_key
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    forms = [der.hex().encode(), b"PRIVATE KEY"]
    if isinstance(key, rsa.RSAPrivateKey):
        prime = key.private_numbers().p
        forms.append(prime.to_bytes((prime.bit_length() + 7) // 8, "big").hex().encode())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        scalar = key.private_numbers().private_value.to_bytes(32, "big")
        forms += [scalar.hex().encode(), str(key.private_numbers().private_value).encode()]
    return forms


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # pg_dump sees only committed rows
def test_private_keys_are_not_in_a_database_dump(
    agencies: dict[str, Agency], citizen_a: Persona
) -> None:
    assert citizen_a.account is not None
    setup = trust_init()
    held = held_certificate_issue(
        account=citizen_a.account, purpose=Purpose.SIGN, algorithm="ecdsa-p256", actor="t"
    )
    seal = seal_certificate_ensure(agency=agencies["internal-affairs"])

    dump = _dump()

    # The dump does hold these rows (so the search below can find things)...
    for certificate in (setup.root, setup.issuing, held, seal):
        assert bytes(certificate.der).hex().encode() in dump
    # ...but none of their private keys, in any form.
    for certificate in (setup.root, setup.issuing, setup.timestamping, setup.ocsp, held, seal):
        for secret in _secret_forms(certificate):
            assert secret not in dump, f"{certificate} key material found in the dump"


@pytest.mark.django_db
def test_held_keys_do_not_open_without_the_master_key(
    agencies: dict[str, Agency], settings: object
) -> None:
    trust_init()
    seal = seal_certificate_ensure(agency=agencies["internal-affairs"])
    master = master_key_path()
    assert master.stat().st_mode & 0o077 == 0, "the master key file must be private"

    from qyzmet.core.secretbox import SecretBoxError, _master_key
    from qyzmet.trust.authority import _load_private_key

    master.write_bytes(b"\x00" * 32)  # a different master key, as on a stolen dump's host
    _master_key.cache_clear()
    _load_private_key.cache_clear()
    try:
        with pytest.raises(SecretBoxError):
            signing_identity(seal)
    finally:
        _master_key.cache_clear()
        _load_private_key.cache_clear()
