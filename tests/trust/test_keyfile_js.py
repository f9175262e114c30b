"""keyfile-sign.js in real Chromium: a citizen picks a PKCS#12 key file, types its password,
and only a signature over the server's challenge (plus the certificate) is posted.

No Django here: a throwaway http.server on loopback serves the page (with a strict
`script-src 'self'` CSP) and the script, and records what the form posts; the signature is
then verified with `cryptography`, the way the server will."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto.pkcs12 import Pfx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12
from cryptography.x509.oid import NameOID
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser import chromium

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).parents[2] / "src/qyzmet/trust/static/trust/keyfile-sign.js"
PAGE = Path(__file__).with_name("keyfile_page.html")
CSP = "default-src 'none'; script-src 'self'; form-action 'self'; base-uri 'none'"

# The messages keyfile_page.html puts in its data-msg-* attributes.
WRONG_PASSWORD = "The password does not open this key file."
NOT_A_KEYFILE = "This is not a key file."
UNSUPPORTED = "This key file cannot be used here."

# Non-ASCII on purpose: PBES2 must get the password's UTF-8 bytes.
PASSWORD = "Құпия сөз – пароль"

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class KeyFile:
    path: Path
    certificate: x509.Certificate


@dataclass
class Field:
    filename: str | None
    content: bytes


class SigningServer(ThreadingHTTPServer):
    """Serves the page and the script, and keeps every form posted to /submit."""

    challenge = ""
    posts: list[dict[str, Field]]

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class Handler(BaseHTTPRequestHandler):
    server: SigningServer

    def do_GET(self) -> None:
        if self.path == "/sign":
            page = PAGE.read_text(encoding="utf-8").replace("{challenge}", self.server.challenge)
            self._reply(page.encode(), "text/html; charset=utf-8")
        elif self.path == "/static/trust/keyfile-sign.js":
            self._reply(SCRIPT.read_bytes(), "text/javascript; charset=utf-8")
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append(_multipart_fields(self.headers["Content-Type"], body))
        self._reply(b"<!doctype html><title>Received</title>", "text/html; charset=utf-8")

    def _reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # requests are not news
        pass


def _multipart_fields(content_type: str, body: bytes) -> dict[str, Field]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, Field] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True)
        assert isinstance(name, str)
        assert isinstance(content, bytes)
        fields[name] = Field(part.get_filename(), content)
    return fields


# --- key files ------------------------------------------------------------------------------


def _certificate(
    key: SigningKey, name: str, *, issuer: tuple[SigningKey, str] | None = None
) -> x509.Certificate:
    signer, issuer_name = issuer or (key, name)
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(signer, hashes.SHA256())
    )


@dataclass
class KeyFiles:
    directory: Path
    ca_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def __post_init__(self) -> None:
        self.ca = _certificate(self.ca_key, "Qyzmet test CA")

    def leaf(self, key: SigningKey) -> x509.Certificate:
        return _certificate(key, "Citizen", issuer=(self.ca_key, "Qyzmet test CA"))

    def from_cryptography(
        self,
        name: str,
        key: SigningKey,
        pbes: pkcs12.PBES = pkcs12.PBES.PBESv2SHA256AndAES256CBC,
        *,
        issuer_first: bool = False,
        kdf_rounds: int = 100_000,
    ) -> KeyFile:
        """The platform's own builder: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC bags.

        With `issuer_first` the leaf goes after the CA certificate as a plain extra
        certificate, so the script must find it by its public key, not by its place."""
        certificate = self.leaf(key)
        cert, cas = (None, [self.ca, certificate]) if issuer_first else (certificate, [self.ca])
        encryption = (
            PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(kdf_rounds)
            .key_cert_algorithm(pbes)
            .hmac_hash(hashes.SHA256())
            .build(PASSWORD.encode())
        )
        p12 = pkcs12.serialize_key_and_certificates(b"label", key, cert, cas, encryption)
        path = self.directory / f"{name}.p12"
        path.write_bytes(p12)
        return KeyFile(path, certificate)

    def from_openssl_cli(self, openssl: str) -> KeyFile:
        """`openssl pkcs12 -export` with OpenSSL 3 defaults."""
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = self.leaf(key)
        pem = serialization.Encoding.PEM
        key_pem = self.directory / "cli-key.pem"
        key_pem.write_bytes(
            key.private_bytes(pem, PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        (self.directory / "cli-cert.pem").write_bytes(certificate.public_bytes(pem))
        (self.directory / "ca.pem").write_bytes(self.ca.public_bytes(pem))
        path = self.directory / "cli.p12"
        env = {**os.environ, "KEYFILE_PASSWORD": PASSWORD}
        subprocess.run(  # noqa: S603 - fixed arguments
            [openssl, "pkcs12", "-export", "-out", path, "-inkey", key_pem,
             "-in", self.directory / "cli-cert.pem", "-certfile", self.directory / "ca.pem",
             "-passout", "env:KEYFILE_PASSWORD"],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
        info = subprocess.run(  # noqa: S603 - fixed arguments
            [openssl, "pkcs12", "-info", "-noout", "-in", path, "-passin", "env:KEYFILE_PASSWORD"],
            check=True, env=env, capture_output=True, text=True,
        )  # fmt: skip
        # The premise of this case: the CLI's defaults are the PBES2 the script supports.
        assert "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC" in info.stdout + info.stderr
        assert "PRF hmacWithSHA256" in info.stdout + info.stderr
        return KeyFile(path, certificate)


@pytest.fixture(scope="module")
def keyfiles(tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    return KeyFiles(tmp_path_factory.mktemp("keyfiles"))


# --- server and browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_server() -> Iterator[SigningServer]:
    server = SigningServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def server(module_server: SigningServer) -> SigningServer:
    """A fresh challenge (a SHA-256 digest, as the server gives) and no posts yet."""
    module_server.challenge = hashlib.sha256(os.urandom(32)).hexdigest()
    module_server.posts = []
    return module_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page that fails the test on any console error: a CSP refusal shows up there."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == []


def _submit(page: Page, server: SigningServer, keyfile: Path, password: str) -> None:
    page.goto(f"{server.url}/sign")
    page.set_input_files("input[name=keyfile]", keyfile)
    page.locator("input[name=keyfile_password]").press_sequentially(password)
    page.get_by_role("button", name="Sign").click()


def _signed_and_posted(page: Page, server: SigningServer, keyfile: KeyFile) -> dict[str, Field]:
    with page.expect_navigation(url=f"{server.url}/submit"):
        _submit(page, server, keyfile.path, PASSWORD)
    assert len(server.posts) == 1
    return server.posts[0]


def _text(fields: dict[str, Field], name: str) -> str:
    return fields[name].content.decode()


def _assert_signature(fields: dict[str, Field], keyfile: KeyFile, challenge: str) -> None:
    """Verified as the server will: over the 32 challenge bytes, with the posted certificate."""
    certificate = x509.load_der_x509_certificate(base64.b64decode(_text(fields, "certificate")))
    # The leaf, not the CA certificate that the key file carries too.
    assert certificate == keyfile.certificate
    signature_b64 = _text(fields, "signature")
    assert "=" not in signature_b64
    signature = base64.urlsafe_b64decode(signature_b64 + "=" * (-len(signature_b64) % 4))
    message = bytes.fromhex(challenge)
    public_key = certificate.public_key()
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        assert _text(fields, "algorithm") == "ES256"
        assert len(signature) == 64  # IEEE P1363 r||s, not DER
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        public_key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    else:
        assert isinstance(public_key, rsa.RSAPublicKey)
        assert _text(fields, "algorithm") == "RS256"
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())


def _assert_nothing_secret_posted(fields: dict[str, Field]) -> None:
    # The form is multipart, so an uncleared file input would have uploaded its bytes.
    assert fields["keyfile"] == Field(filename="", content=b"")
    assert fields["keyfile_password"] == Field(filename=None, content=b"")
    assert _text(fields, "csrfmiddlewaretoken") == "kept-as-is"


# --- the cases ------------------------------------------------------------------------------


def test_ec_p256_key_file_signs_the_challenge(
    page: Page, server: SigningServer, keyfiles: KeyFiles
) -> None:
    keyfile = keyfiles.from_cryptography("ec", ec.generate_private_key(ec.SECP256R1()))
    fields = _signed_and_posted(page, server, keyfile)
    _assert_signature(fields, keyfile, server.challenge)
    _assert_nothing_secret_posted(fields)


def test_the_certificate_posted_is_the_one_matching_the_key(
    page: Page, server: SigningServer, keyfiles: KeyFiles
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())  # the same curve as the CA's key
    keyfile = keyfiles.from_cryptography("issuer-first", key, issuer_first=True)
    fields = _signed_and_posted(page, server, keyfile)
    _assert_signature(fields, keyfile, server.challenge)


def test_rsa_2048_key_file_signs_the_challenge(
    page: Page, server: SigningServer, keyfiles: KeyFiles
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keyfile = keyfiles.from_cryptography("rsa", key)
    fields = _signed_and_posted(page, server, keyfile)
    _assert_signature(fields, keyfile, server.challenge)
    _assert_nothing_secret_posted(fields)


def test_key_file_exported_by_the_openssl_cli_signs_the_challenge(
    page: Page, server: SigningServer, keyfiles: KeyFiles
) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    keyfile = keyfiles.from_openssl_cli(openssl)
    fields = _signed_and_posted(page, server, keyfile)
    _assert_signature(fields, keyfile, server.challenge)
    _assert_nothing_secret_posted(fields)


def test_wrong_password_is_told_and_nothing_is_posted(
    page: Page, server: SigningServer, keyfiles: KeyFiles
) -> None:
    keyfile = keyfiles.from_cryptography("wrong", ec.generate_private_key(ec.SECP256R1()))
    _submit(page, server, keyfile.path, PASSWORD + "!")
    expect(page.get_by_role("alert")).to_have_text(WRONG_PASSWORD)
    expect(page.locator("input[name=keyfile_password]")).to_be_focused()
    assert page.url == f"{server.url}/sign"
    assert server.posts == []


def _wrong_password_with_valid_padding(keyfile: Path) -> str:
    """A wrong password whose AES-CBC decryption of the certificate bags happens to end in
    valid PKCS#7 padding (about 1 password in 256), so the failure must come from the
    garbage plaintext, not from WebCrypto's padding check."""
    pfx = Pfx.load(keyfile.read_bytes())
    (encrypted,) = [
        info["content"]["encrypted_content_info"]
        for info in pfx.authenticated_safe
        if info["content_type"].native == "encrypted_data"
    ]
    scheme = encrypted["content_encryption_algorithm"]
    ciphertext = encrypted["encrypted_content"].native
    for attempt in range(100_000):
        password = f"wrong {attempt}"
        kdf = PBKDF2HMAC(hashes.SHA256(), 32, scheme.kdf_salt, scheme.kdf_iterations)
        decryptor = Cipher(
            algorithms.AES(kdf.derive(password.encode())), modes.CBC(scheme.encryption_iv)
        ).decryptor()
        plain = decryptor.update(ciphertext) + decryptor.finalize()
        if 1 <= plain[-1] <= 16 and plain[-plain[-1] :] == bytes([plain[-1]]) * plain[-1]:
            return password
    raise AssertionError("no password with valid padding found")


def test_wrong_password_that_passes_the_padding_check_is_still_told(
    page: Page, server: SigningServer, keyfiles: KeyFiles
) -> None:
    # Few PBKDF2 rounds so that finding such a password takes milliseconds.
    keyfile = keyfiles.from_cryptography(
        "lucky", ec.generate_private_key(ec.SECP256R1()), kdf_rounds=1
    )
    _submit(page, server, keyfile.path, _wrong_password_with_valid_padding(keyfile.path))
    expect(page.get_by_role("alert")).to_have_text(WRONG_PASSWORD)
    assert server.posts == []


@pytest.mark.parametrize("kind", ["pem-certificate", "der-certificate", "random-bytes"])
def test_a_file_that_is_not_pkcs12_is_told_and_nothing_is_posted(
    page: Page, server: SigningServer, keyfiles: KeyFiles, kind: str
) -> None:
    path = keyfiles.directory / f"not-a-keyfile-{kind}"
    if kind == "pem-certificate":
        path.write_bytes(keyfiles.ca.public_bytes(serialization.Encoding.PEM))
    elif kind == "der-certificate":  # valid DER, just not a PFX
        path.write_bytes(keyfiles.ca.public_bytes(serialization.Encoding.DER))
    else:
        path.write_bytes(os.urandom(2048))
    _submit(page, server, path, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(NOT_A_KEYFILE)
    assert server.posts == []


@pytest.mark.parametrize("kind", ["legacy-3des-encryption", "p384-key"])
def test_unsupported_key_file_is_told_and_nothing_is_posted(
    page: Page, server: SigningServer, keyfiles: KeyFiles, kind: str
) -> None:
    if kind == "legacy-3des-encryption":
        key = ec.generate_private_key(ec.SECP256R1())
        keyfile = keyfiles.from_cryptography(kind, key, pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
    else:
        keyfile = keyfiles.from_cryptography(kind, ec.generate_private_key(ec.SECP384R1()))
    _submit(page, server, keyfile.path, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(UNSUPPORTED)
    assert server.posts == []
