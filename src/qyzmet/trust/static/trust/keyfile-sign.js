// Signs a server challenge with the citizen's PKCS#12 key file, inside the browser.
//
// The private key never leaves this page: the file and its password are read here, the key is
// imported into WebCrypto as non-extractable, and only the signature and the certificate are
// posted. Load it as <script src=… defer>; it has no inline code and no eval, so it runs under
// a `script-src 'self'` CSP.
//
// Form contract (the server renders the messages in the user's language):
//   <form method=post data-keyfile-sign data-challenge="<64 hex digits: a SHA-256 digest>"
//         data-msg-wrong-password="…" data-msg-not-a-keyfile="…" data-msg-unsupported="…">
//     <p role=alert></p> (optional: made if missing)
//     <input type=file name=keyfile> <input type=password name=keyfile_password>
//     <input type=hidden name=signature> <input type=hidden name=certificate>
//     <input type=hidden name=algorithm>
// On submit the fields are filled and the form is posted with the file and password cleared:
//   signature   = base64url (no padding) of the raw signature; ECDSA is IEEE P1363 r||s
//   certificate = base64 of the DER certificate whose public key made the signature
//   algorithm   = "ES256" (ECDSA P-256) or "RS256" (RSASSA-PKCS1-v1_5, RSA keys)
//
// What is signed: the 32 bytes of the hex-decoded challenge are the *message*, and WebCrypto
// hashes the message itself. So the signature is over SHA-256(bytes.fromhex(challenge)), and
// the server checks it with `public_key.verify(sig, bytes.fromhex(challenge), ...SHA256())`.
//
// Supported key files: PBES2 (PBKDF2 with HMAC-SHA-1/256/384/512, AES-128/256-CBC), which is
// what `cryptography`'s PBESv2SHA256AndAES256CBC and OpenSSL 3's `pkcs12 -export` produce. The
// PKCS#12 MAC is not checked: a wrong password already fails the AES-CBC padding, and the
// server verifies the signature anyway.
'use strict';
(() => {
  const OID = {
    data: '1.2.840.113549.1.7.1',
    encryptedData: '1.2.840.113549.1.7.6',
    shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
    certBag: '1.2.840.113549.1.12.10.1.3',
    x509Certificate: '1.2.840.113549.1.9.22.1',
    pbes2: '1.2.840.113549.1.5.13',
    pbkdf2: '1.2.840.113549.1.5.12',
    ecPublicKey: '1.2.840.10045.2.1',
    p256: '1.2.840.10045.3.1.7',
    rsaEncryption: '1.2.840.113549.1.1.1',
  };
  const PRF = { // PBKDF2-params.prf is DEFAULT hmacWithSHA1: an absent prf means SHA-1
    '1.2.840.113549.2.7': 'SHA-1', '1.2.840.113549.2.9': 'SHA-256',
    '1.2.840.113549.2.10': 'SHA-384', '1.2.840.113549.2.11': 'SHA-512',
  };
  // No AES-192: Chromium's WebCrypto refuses it, so it is "unsupported" up front.
  const AES_CBC_BITS = { '2.16.840.1.101.3.4.1.2': 128, '2.16.840.1.101.3.4.1.42': 256 };
  const MAX_FILE_BYTES = 1 << 20; // key files are a few KiB; do not read a video into memory
  const MAX_ITERATIONS = 10_000_000; // a hostile file must not hang the tab in PBKDF2
  const subtle = globalThis.crypto && crypto.subtle; // absent outside secure contexts
  const SEQ = 0x30;

  // A failure the user can act on; its message names the data-msg-* text to show.
  class KeyfileError extends Error {}
  const fail = (code) => { throw new KeyfileError(code); };

  // A minimal DER reader: definite lengths, low tag numbers. A node is {tag, value, raw, end};
  // `raw` is the whole TLV (WebCrypto wants a SubjectPublicKeyInfo with its header).
  function readTlv(bytes, pos = 0) {
    if (pos + 2 > bytes.length || (bytes[pos] & 0x1f) === 0x1f) fail('notAKeyfile');
    let length = bytes[pos + 1];
    let start = pos + 2;
    if (length === 0x80) fail('unsupported'); // BER indefinite length: not from our producers
    if (length > 0x80) {
      const count = length & 0x7f;
      if (count > 4 || start + count > bytes.length) fail('notAKeyfile');
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
      start += count;
    }
    const end = start + length;
    if (end > bytes.length) fail('notAKeyfile');
    const [tag, value, raw] = [bytes[pos], bytes.subarray(start, end), bytes.subarray(pos, end)];
    return { tag, value, raw, end };
  }

  // Checks the tag and a minimum count, so destructuring a short structure is a clear error
  // instead of `undefined.tag` further on.
  function children(node, tag, min = 0) {
    if (!node || node.tag !== tag) fail('notAKeyfile');
    const out = [];
    for (let pos = 0; pos < node.value.length; pos = out[out.length - 1].end) {
      out.push(readTlv(node.value, pos));
    }
    return out.length < min ? fail('notAKeyfile') : out;
  }
  const octets = (node, tag = 0x04) => (node?.tag === tag ? node.value : fail('notAKeyfile'));
  const explicit0 = (node) => children(node, 0xa0, 1)[0];
  const uint = (node) => octets(node, 0x02).reduce((n, byte) => n * 256 + byte, 0);

  function oid(node) {
    const arcs = [];
    let arc = 0;
    for (const byte of octets(node, 0x06)) {
      arc = arc * 128 + (byte & 0x7f);
      if (!(byte & 0x80)) { arcs.push(arc); arc = 0; }
    }
    const first = Math.min(2, Math.floor(arcs[0] / 40)); // the first number packs two arcs
    return [first, arcs[0] - 40 * first, ...arcs.slice(1)].join('.');
  }

  // Both EncryptedContentInfo (certificates) and EncryptedPrivateKeyInfo (the key) use this.
  async function pbes2Decrypt(algorithm, ciphertext, password) {
    const [scheme, params] = children(algorithm, SEQ, 2);
    if (oid(scheme) !== OID.pbes2) fail('unsupported'); // e.g. legacy PKCS#12 3DES or RC2
    const [kdf, cipher] = children(params, SEQ, 2);
    const [kdfOid, kdfParams] = children(kdf, SEQ, 2);
    const [cipherOid, iv] = children(cipher, SEQ, 2);
    const [salt, count, ...optional] = children(kdfParams, SEQ, 2); // keyLength?, prf?
    const prf = optional.find((node) => node.tag === SEQ);
    const hash = prf ? PRF[oid(children(prf, SEQ, 1)[0])] : 'SHA-1';
    const bits = AES_CBC_BITS[oid(cipherOid)];
    const iterations = uint(count);
    if (oid(kdfOid) !== OID.pbkdf2 || !hash || !bits || salt.tag !== 0x04 ||
        iterations > MAX_ITERATIONS) fail('unsupported');
    // PBES2 takes the password as its UTF-8 bytes (the legacy PKCS#12 KDF wanted UTF-16).
    const secret = new TextEncoder().encode(password);
    const base = await subtle.importKey('raw', secret, 'PBKDF2', false, ['deriveKey']);
    const key = await subtle.deriveKey({ name: 'PBKDF2', salt: salt.value, iterations, hash },
      base, { name: 'AES-CBC', length: bits }, false, ['decrypt']);
    try {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: octets(iv) }, key,
        ciphertext));
    } catch {
      return fail('wrongPassword'); // a wrong key leaves invalid padding 255 times in 256
    }
  }

  // ...and the 256th time the padding looks valid but the plaintext is garbage, not DER.
  function parseDecrypted(bytes) {
    try {
      return children(readTlv(bytes), SEQ);
    } catch (error) {
      throw error instanceof KeyfileError && error.message === 'notAKeyfile'
        ? new KeyfileError('wrongPassword') : error;
    }
  }

  // PFX -> authSafe ContentInfo(data) -> AuthenticatedSafe -> ContentInfo(data | encryptedData)
  // -> SafeContents -> SafeBags. Returns the first key (PKCS#8 DER) and every certificate.
  async function openKeyfile(file, password) {
    const [version, authSafe] = children(readTlv(file), SEQ, 2);
    if (version.tag !== 0x02 || uint(version) !== 3) fail('notAKeyfile');
    const [authType, authContent] = children(authSafe, SEQ, 2);
    if (oid(authType) !== OID.data) fail('unsupported'); // public-key integrity mode
    const found = { pkcs8: null, certificates: [] };
    for (const info of children(readTlv(octets(explicit0(authContent))), SEQ)) {
      const [type, content] = children(info, SEQ, 2);
      if (oid(type) === OID.data) {
        await readBags(children(readTlv(octets(explicit0(content))), SEQ), password, found);
      } else if (oid(type) === OID.encryptedData) {
        const [, encrypted] = children(explicit0(content), SEQ, 2); // version, EncryptedContentInfo
        const [, algorithm, ciphertext] = children(encrypted, SEQ, 3); // [0] IMPLICIT OCTET STRING
        const plain = await pbes2Decrypt(algorithm, octets(ciphertext, 0x80), password);
        await readBags(parseDecrypted(plain), password, found);
      } else {
        fail('unsupported'); // envelopedData: encrypted to a public key, not a password
      }
    }
    return found.pkcs8 && found.certificates.length ? found : fail('notAKeyfile');
  }

  async function readBags(bags, password, found) {
    for (const bag of bags) {
      const [bagId, bagValue] = children(bag, SEQ, 2);
      const value = explicit0(bagValue);
      if (oid(bagId) === OID.certBag) {
        const [certType, cert] = children(value, SEQ, 2);
        if (oid(certType) === OID.x509Certificate) found.certificates.push(octets(explicit0(cert)));
      } else if (oid(bagId) === OID.shroudedKeyBag && !found.pkcs8) { // a citizen has one key
        const [algorithm, ciphertext] = children(value, SEQ, 2);
        found.pkcs8 = await pbes2Decrypt(algorithm, octets(ciphertext), password);
        parseDecrypted(found.pkcs8);
      }
    }
  }

  // The key's algorithm decides the WebCrypto parameters and the JWS-style name we report.
  function keyAlgorithm(pkcs8) {
    const [, algorithm] = children(readTlv(pkcs8), SEQ, 3); // version, AlgorithmIdentifier, key
    const [type, params] = children(algorithm, SEQ, 1);
    if (oid(type) === OID.rsaEncryption) {
      const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      return { name: 'RS256', key: rsa, sign: rsa };
    }
    if (oid(type) === OID.ecPublicKey && params?.tag === 0x06 && oid(params) === OID.p256) {
      return { name: 'ES256', key: { name: 'ECDSA', namedCurve: 'P-256' },
        sign: { name: 'ECDSA', hash: 'SHA-256' } };
    }
    return fail('unsupported');
  }

  // The key is not extractable, so "the certificate whose public key matches" is found by
  // verifying our own signature with each one; the issuers in the file fail that.
  async function matchingCertificate(certificates, algorithm, signature, message) {
    for (const cert of certificates) {
      const tbs = children(children(readTlv(cert), SEQ, 3)[0], SEQ, 6);
      const spki = tbs[tbs[0].tag === 0xa0 ? 6 : 5]; // after the optional [0] version
      try {
        const key = await subtle.importKey('spki', spki.raw, algorithm.key, false, ['verify']);
        if (await subtle.verify(algorithm.sign, key, signature, message)) return cert;
      } catch {
        // An issuer with another key type or curve cannot even be imported: not ours.
      }
    }
    return certificates.length === 1 ? certificates[0] : fail('notAKeyfile');
  }

  async function signChallenge(file, password, challengeHex) {
    if (!subtle) fail('unsupported');
    if (!/^[0-9a-f]{64}$/i.test(challengeHex || '')) throw new Error('bad data-challenge');
    const message = Uint8Array.from(challengeHex.match(/../g), (pair) => parseInt(pair, 16));
    const { pkcs8, certificates } = await openKeyfile(file, password);
    const algorithm = keyAlgorithm(pkcs8);
    let key;
    try {
      key = await subtle.importKey('pkcs8', pkcs8, algorithm.key, false, ['sign']);
    } catch {
      fail('unsupported'); // e.g. explicit curve parameters, which WebCrypto refuses
    }
    const signature = new Uint8Array(await subtle.sign(algorithm.sign, key, message));
    const certificate = await matchingCertificate(certificates, algorithm, signature, message);
    return { signature, certificate, algorithm: algorithm.name };
  }

  const base64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const base64url = (bytes) => base64(bytes).replace(/\+/g, '-').replace(/\//g, '_')
    .replace(/=+$/, '');
  const MESSAGES = { wrongPassword: 'msgWrongPassword', notAKeyfile: 'msgNotAKeyfile',
    unsupported: 'msgUnsupported' };

  function hookUp(form) {
    const field = (name) => form.elements.namedItem(name);
    let alert = form.querySelector('[role="alert"]');
    if (!alert) {
      alert = form.insertBefore(document.createElement('p'), form.firstChild);
      alert.setAttribute('role', 'alert');
    }
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (form.getAttribute('aria-busy') === 'true') return; // a double click signs once
      form.setAttribute('aria-busy', 'true');
      alert.textContent = '';
      const fileInput = field('keyfile');
      const passwordInput = field('keyfile_password');
      try {
        const file = fileInput.files[0];
        if (!file || file.size > MAX_FILE_BYTES) fail('notAKeyfile');
        const result = await signChallenge(new Uint8Array(await file.arrayBuffer()),
          passwordInput.value, form.dataset.challenge);
        field('signature').value = base64url(result.signature);
        field('certificate').value = base64(result.certificate);
        field('algorithm').value = result.algorithm;
        fileInput.value = ''; // only the signature goes out: never the file or the password
        passwordInput.value = '';
        // The prototype's submit() fires no submit event (no loop) and still works when the
        // form has a control named "submit".
        HTMLFormElement.prototype.submit.call(form);
      } catch (error) {
        const known = error instanceof KeyfileError;
        if (!known) console.error(error); // our bug or the browser's; the user gets a message
        alert.textContent = form.dataset[MESSAGES[known ? error.message : 'unsupported']] || '';
        if (known && error.message === 'wrongPassword') passwordInput.select();
        else fileInput.focus();
      } finally {
        form.removeAttribute('aria-busy');
      }
    });
  }

  const start = () => document.querySelectorAll('form[data-keyfile-sign]').forEach(hookUp);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
