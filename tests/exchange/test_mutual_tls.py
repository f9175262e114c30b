"""Mutual TLS: a client authenticated by its TLS certificate at a trusted terminator."""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.exchange.models import ExchangeRecord
from qyzmet.exchange.services import certificate_register
from qyzmet.trust.authority import Subject, TrustSetup, ca_certificate, certificate_issue, x509_of
from qyzmet.trust.models import KeyHolder
from qyzmet.trust.models import Purpose as CertificatePurpose
from tests.conftest import Persona
from tests.exchange.tls_proxy import HEADER, TlsTerminator
from tests.exchange.world import BENEFITS, PERSON, ExchangeWorld

PEM = serialization.Encoding.PEM


def _client_files(directory: Path, *, register: ExchangeWorld | None) -> tuple[Path, Path]:
    """A TLS client key and AUTH certificate (with its chain) for the benefits office."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuing = ca_certificate(CertificatePurpose.ISSUING_CA)
    certificate = x509_of(
        certificate_issue(
            purpose=CertificatePurpose.AUTH,
            subject=Subject(common_name=BENEFITS, organisation="Ministry of Labour"),
            public_key=key.public_key(),
            key_holder=KeyHolder.SUBJECT,
            issuer=issuing,
        )
    )
    if register is not None:
        certificate_register(
            subsystem=register.benefits.subsystem,
            pem=certificate.public_bytes(PEM),
            actor="test-operator",
        )
    chain = directory / "client.pem"
    chain.write_bytes(certificate.public_bytes(PEM) + x509_of(issuing).public_bytes(PEM))
    key_file = directory / "client.key"
    key_file.write_bytes(
        key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return chain, key_file


@pytest.fixture
def terminator(
    live_server: LiveServer, settings: Settings, trust: TrustSetup, tmp_path: Path
) -> Iterator[TlsTerminator]:
    settings.QYZMET_TLS_PROXIES = ("127.0.0.1",)
    root = x509_of(trust.root).public_bytes(PEM)
    with TlsTerminator(live_server.url, root, tmp_path) as running:
        yield running


def _get(
    terminator: TlsTerminator, path: str, client: tuple[Path, Path] | None
) -> tuple[int, dict[str, str], bytes]:
    context = ssl.create_default_context(cafile=str(terminator.certificate))
    if client is not None:
        context.load_cert_chain(*client)
    connection = http.client.HTTPSConnection(terminator.url[8:], context=context, timeout=10)
    connection.request(
        "GET",
        path,
        headers={
            "X-Road-Client": BENEFITS,
            "X-Qyzmet-Purpose": "benefit-assignment",
            "X-Road-Issue": "case-9",
        },
    )
    answer = connection.getresponse()
    result = answer.status, dict(answer.getheaders()), answer.read()
    connection.close()
    return result


def test_a_registered_tls_certificate_authenticates_the_client(
    terminator: TlsTerminator, world: ExchangeWorld, citizen_a: Persona, tmp_path: Path
) -> None:
    assert citizen_a.person is not None
    client = _client_files(tmp_path, register=world)
    status, _, body = _get(terminator, f"/r1/{PERSON}/{citizen_a.person.iin}", client)
    assert status == 200, body
    assert json.loads(body)["iin"] == citizen_a.person.iin
    record = ExchangeRecord.objects.get()
    assert (record.client, record.status, record.assertion_id) == (BENEFITS, 200, None)


def test_an_unregistered_tls_certificate_is_refused_and_logged(
    terminator: TlsTerminator, world: ExchangeWorld, citizen_a: Persona, tmp_path: Path
) -> None:
    assert citizen_a.person is not None
    client = _client_files(tmp_path, register=None)
    status, headers, body = _get(terminator, f"/r1/{PERSON}/{citizen_a.person.iin}", client)
    assert (status, headers["X-Road-Error"]) == (401, "Client.InvalidCertificate")
    assert json.loads(body)["status"] == 401
    assert ExchangeRecord.objects.get().error == "Client.InvalidCertificate"


def test_no_client_certificate_no_connection(
    terminator: TlsTerminator, world: ExchangeWorld
) -> None:
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        _get(terminator, f"/r1/{PERSON}/900517300079", None)
    assert not ExchangeRecord.objects.exists()


def test_a_certificate_header_from_an_untrusted_address_is_ignored(
    live_server: LiveServer, settings: Settings, world: ExchangeWorld, tmp_path: Path
) -> None:
    settings.QYZMET_TLS_PROXIES = ()
    chain, _ = _client_files(tmp_path, register=world)
    connection = http.client.HTTPConnection(live_server.url[7:], timeout=10)
    connection.request(
        "GET",
        f"/r1/{PERSON}/900517300079",
        headers={"X-Road-Client": BENEFITS, HEADER: chain.read_text().replace("\n", "%0A")},
    )
    answer = connection.getresponse()
    assert (answer.status, answer.getheader("X-Road-Error")) == (401, "Client.MissingAssertion")
