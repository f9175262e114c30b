"""Documents the platform issues pass the tools anyone can install, trusting only its root.

The commands are the ones docs/trust.md gives: Poppler's ``pdfsig`` with an NSS database,
``xmlsec1 --verify`` and ``openssl cms -verify``/``openssl ts -verify``. The root comes
from ``trust_roots`` (``qyzmet trust roots``), as a relying party would get it.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command

from qyzmet.documents.formats.cms import cms_sign_detached
from qyzmet.documents.models import Document
from qyzmet.documents.samples import samples_issue
from qyzmet.documents.services import document_content
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import (
    TrustSetup,
    certificate_revoke,
    seal_certificate_ensure,
    signing_identity,
)
from qyzmet.trust.revocation import ocsp_respond
from qyzmet.trust.timestamps import platform_timestamper, tsa_respond
from tests import factories
from tests.documents.pki import make_pki
from tests.trust.cases import tampered

VALID = "Signature Validation: Signature is Valid."
TRUSTED = "Certificate Validation: Certificate is Trusted."


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    # Fixed tools found by shutil.which; the arguments are this test's own files.
    return subprocess.run(  # noqa: S603
        [str(part) for part in command],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@dataclass
class Issued:
    pdf: Document
    xml: Document
    directory: Path
    root: Path  # the output of `qyzmet trust roots`

    def write(self, document: Document, data: bytes | None = None) -> Path:
        path = self.directory / document.filename
        path.write_bytes(document_content(document) if data is None else data)
        return path


def _issue(tmp_path: Path) -> Issued:
    person = factories.person(address_unit=factories.address())
    pdf, xml, _json = samples_issue(person=person, language="en", actor="test")
    roots = io.StringIO()
    call_command("trust_roots", stdout=roots)
    root = tmp_path / "root.pem"
    root.write_text(roots.getvalue())
    return Issued(pdf=pdf, xml=xml, directory=tmp_path, root=root)


@pytest.fixture
def issued(trust: TrustSetup, agencies: dict[str, Agency], tmp_path: Path) -> Issued:
    """The sample documents of a generated person, and the trusted roots as PEM."""
    return _issue(tmp_path)


def _nss_database(directory: Path, *, root: Path | None) -> str:
    """An NSS database in ``directory`` trusting ``root`` (or nothing) for signatures."""
    certutil = _tool("certutil")
    database = directory / "nssdb"
    database.mkdir(parents=True)
    _run(certutil, "-N", "-d", f"sql:{database}", "--empty-password").check_returncode()
    if root is not None:
        _run(
            certutil, "-A", "-d", f"sql:{database}", "-n", "root", "-t", "CT,C,C", "-i", root
        ).check_returncode()
    return f"sql:{database}"


def _pdfsig(database: str, pdf: Path, *options: str) -> str:
    """pdfsig's report (it exits 0 whatever it finds)."""
    return _run(_tool("pdfsig"), "-nssdir", database, *options, pdf).stdout


# --- PDF (PAdES) with pdfsig -----------------------------------------------------------


def test_pdfsig_finds_the_seal_valid_and_trusted_under_the_platform_root(issued: Issued) -> None:
    pdf = issued.write(issued.pdf)

    untrusting = _pdfsig(_nss_database(issued.directory / "empty", root=None), pdf, "-no-ocsp")
    assert VALID in untrusting
    assert "Certificate Validation: Certificate issuer isn't Trusted." in untrusting

    report = _pdfsig(_nss_database(issued.directory, root=issued.root), pdf, "-no-ocsp")
    assert VALID in report
    assert TRUSTED in report
    assert "Total document signed" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signer Certificate Common Name: Ministry of Internal Affairs" in report


def test_pdfsig_reports_a_tampered_pdf(issued: Issued) -> None:
    changed = tampered(document_content(issued.pdf), "pdf")
    database = _nss_database(issued.directory, root=issued.root)

    report = _pdfsig(database, issued.write(issued.pdf, changed), "-no-ocsp")

    assert "Signature Validation: Digest Mismatch." in report
    assert VALID not in report


class _OcspHandler(BaseHTTPRequestHandler):
    """/trust/ocsp as NSS uses it: GET with the base64 request in the path (RFC 6960 A.1)."""

    paths: list[str] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        request = base64.b64decode(urllib.parse.unquote(self.path.rsplit("/", 1)[1]))
        answer = ocsp_respond(request)
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def ocsp_server(settings: LazySettings) -> Iterator[HTTPServer]:
    """An OCSP responder at QYZMET_PUBLIC_URL, served from the test's own thread (and so
    its database transaction) while a tool runs: see :func:`_serving`."""
    server = HTTPServer(("127.0.0.1", 0), _OcspHandler)
    server.timeout = 0.1
    _OcspHandler.paths = []
    settings.QYZMET_PUBLIC_URL = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.server_close()


def _serving(server: HTTPServer, *command: str | Path) -> str:
    process = subprocess.Popen(  # noqa: S603 - as _run
        [str(part) for part in command], stdout=subprocess.PIPE, text=True
    )
    while process.poll() is None:
        server.handle_request()
    assert process.stdout is not None
    return process.stdout.read()


def test_pdfsig_asks_the_platform_ocsp_responder_and_reports_a_revoked_seal(
    trust: TrustSetup, agencies: dict[str, Agency], tmp_path: Path, ocsp_server: HTTPServer
) -> None:
    # Issued after QYZMET_PUBLIC_URL points at the test responder: it is in the seal's AIA.
    issued = _issue(tmp_path)
    pdf = issued.write(issued.pdf)
    database = _nss_database(tmp_path, root=issued.root)
    pdfsig = _tool("pdfsig")

    _serving(ocsp_server, pdfsig, "-nssdir", database, pdf)
    assert _OcspHandler.paths
    assert all(path.startswith("/trust/ocsp/") for path in _OcspHandler.paths)

    certificate_revoke(certificate=issued.pdf.signed_by, reason="key-compromise", actor="test")
    report = _serving(ocsp_server, pdfsig, "-nssdir", database, pdf)

    assert VALID in report
    assert "Certificate Validation: Certificate has been Revoked." in report


# --- XML (XAdES) with xmlsec1 ----------------------------------------------------------


def test_xmlsec1_verifies_the_xml_trusting_only_the_platform_root(issued: Issued) -> None:
    xmlsec1 = _tool("xmlsec1")
    xml = issued.write(issued.xml)

    verified = _run(xmlsec1, "--verify", "--trusted-pem", issued.root, xml)
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.startswith("OK")

    other_root = make_pki("ec").write_root(issued.directory / "other-root.pem")
    assert _run(xmlsec1, "--verify", "--trusted-pem", other_root, xml).returncode != 0

    content = document_content(issued.xml)
    assert b"Sadykov Arman" in content
    changed = issued.write(issued.xml, content.replace(b"Sadykov Arman", b"Sadykov Armon"))
    rejected = _run(xmlsec1, "--verify", "--trusted-pem", issued.root, changed)
    assert rejected.returncode != 0
    assert "FAIL" in rejected.stderr


# --- detached CMS and time stamps with openssl -----------------------------------------


def test_openssl_verifies_a_detached_cms_by_an_agency_seal(
    issued: Issued, agencies: dict[str, Agency]
) -> None:
    openssl, directory = _tool("openssl"), issued.directory
    seal = signing_identity(seal_certificate_ensure(agency=agencies["internal-affairs"]))
    content = b"Decision no. 17: the application is granted.\n"
    (directory / "decision.p7s").write_bytes(
        cms_sign_detached(content, signer=seal, timestamper=platform_timestamper())
    )

    def verify(data: bytes) -> subprocess.CompletedProcess[str]:
        (directory / "decision.txt").write_bytes(data)
        return _run(
            openssl, "cms", "-verify", "-binary", "-inform", "DER",
            "-in", directory / "decision.p7s", "-content", directory / "decision.txt",
            "-CAfile", issued.root, "-purpose", "any", "-out", "/dev/null",
        )  # fmt: skip

    verified = verify(content)
    assert verified.returncode == 0, verified.stderr
    assert "CMS Verification successful" in verified.stderr
    rejected = verify(content.replace(b"granted", b"refused"))
    assert rejected.returncode == 4
    assert "CMS Verification failure" in rejected.stderr


def test_openssl_ts_verifies_a_platform_time_stamp(issued: Issued) -> None:
    openssl, directory = _tool("openssl"), issued.directory
    data = directory / "data.txt"
    data.write_bytes(b"anything at all\n")
    query, reply = directory / "request.tsq", directory / "reply.tsr"
    made = _run(openssl, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
    assert made.returncode == 0, made.stderr
    reply.write_bytes(tsa_respond(query.read_bytes()))  # what POST /trust/tsa answers

    verified = _run(
        openssl, "ts", "-verify", "-in", reply, "-queryfile", query, "-CAfile", issued.root
    )

    assert verified.returncode == 0, verified.stderr
    assert "Verification: OK" in verified.stdout
