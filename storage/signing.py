"""PAdES B-B signatures with pyHanko, as an incremental update that keeps PDF/A-2b.

- The signature is an invisible field (zero-size rectangle, print flag set, which PDF/A-2
  allows without an appearance stream), appended as an incremental update: the signed bytes
  start with the unchanged PDF/A, and the PDF version is never bumped.
- After signing, the XMP must still claim ``pdfaid:part=2`` / ``conformance=B`` (checked).
- The key is the Center's PKCS#12 file (``SOHOA_SIGNING_KEY`` / ``_PASSWORD``). Without one, a
  self-signed *development* key is created on first use under ``SOHOA_HOME/keys/``; its subject
  says so, and :func:`verify_pdf` reports signatures made with it as development signatures.
- :func:`verify_pdf` runs pyHanko's validator and additionally checks that the ``/Contents``
  hex string is exactly the canonical encoding of the CMS blob plus zero padding, so that one
  changed byte *anywhere* in the file is caught (pyHanko alone accepts changes in the padding or
  in the case of hex digits, which are outside the signed byte range).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from pipeline.model import SohoaError

DEV_SUBJECT_CN = "sohoa DEVELOPMENT signing key - not for production"
DEV_KEY_FILE = "development-signing.p12"
DEFAULT_FIELD = "sohoa-archive-signature"


class SigningError(SohoaError):
    code = "signing_failed"


class _KeepVersionWriter(IncrementalPdfFileWriter):
    """An incremental writer that never raises the PDF version (PDF/A-2 files stay as they are).

    pyHanko asks for 1.7 (and registers the ESIC extension) for PAdES; the extension dictionary
    is still written, only the ``/Version`` bump is suppressed.
    """

    output_version = (1, 0)

    def ensure_output_version(self, version):  # noqa: D401 - pyHanko hook
        return None


def _off_event_loop(fn, *args, **kwargs):
    """pyHanko's sync API calls ``asyncio.run``, which fails inside a running event loop (an
    async web handler): there, run ``fn`` in a worker thread instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as ex:
        return ex.submit(fn, *args, **kwargs).result()


# --------------------------------------------------------------------------- keys


def create_development_key(path: Path, *, years: int = 10) -> Path:
    """Create a self-signed RSA key + certificate as PKCS#12 at ``path`` (no password).

    Written to a temp file and linked into place, so concurrent first runs end with one key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEV_SUBJECT_CN),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sohoa (development only)"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    blob = pkcs12.serialize_key_and_certificates(
        b"sohoa-development", key, cert, None, serialization.NoEncryption()
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # fails if another process created it first: keep theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    path.with_suffix(".pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def development_key_path(home: str | os.PathLike[str]) -> Path:
    return Path(home) / "keys" / DEV_KEY_FILE


# --------------------------------------------------------------------------- signing


class _LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, with the private key parsed once instead of on every signature
    (pyHanko re-reads the DER key for each raw signature, twice per document: that was more
    than half of a signature's time), and a dry run (pyHanko's size estimate) that does not
    sign at all: a placeholder of the signature's exact length is all it needs."""

    def __init__(self, simple: signers.SimpleSigner):
        super().__init__(signing_cert=simple.signing_cert, signing_key=simple.signing_key,
                         cert_registry=simple.cert_registry,
                         signature_mechanism=simple.signature_mechanism)
        self._private_key = serialization.load_der_private_key(simple.signing_key.dump(),
                                                               password=None)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        if dry_run and isinstance(self._private_key, rsa.RSAPrivateKey):
            return bytes(self._private_key.key_size // 8)
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives.asymmetric import ec, padding
        from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

        mechanism_spec = self.get_signature_mechanism_for_digest(digest_algorithm)
        mechanism = mechanism_spec.signature_algo
        key = self._private_key
        if mechanism == "rsassa_pkcs1v15":
            return key.sign(data, padding.PKCS1v15(),
                            get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == "rsassa_pss":
            pss, hash_algo = process_pss_params(mechanism_spec["parameters"])
            return key.sign(data, pss, hash_algo)
        if mechanism == "ecdsa":
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)  # other key types: pyHanko's way


class PdfSigner:
    """Signs PDFs with one PKCS#12 key. Thread-safe; load once and reuse."""

    def __init__(self, p12_path: str | os.PathLike[str], password: str | None = None):
        self.p12_path = Path(p12_path)
        if not self.p12_path.is_file():
            raise SigningError(f"signing key not found: {self.p12_path}", code="no_signing_key")
        pw = password.encode() if password else None
        signer = signers.SimpleSigner.load_pkcs12(str(self.p12_path), passphrase=pw)
        if signer is None:
            raise SigningError(f"cannot load PKCS#12 signing key {self.p12_path}")
        self._signer = _LoadedKeySigner(signer)
        # Room for the CMS blob in /Contents: pyHanko estimates it with a trial signature;
        # the blob's size does not depend on the document, so the first estimate serves all.
        self._bytes_reserved: int | None = None
        self.certificate: asn1_x509.Certificate = signer.signing_cert

    @classmethod
    def from_settings(cls, settings) -> PdfSigner:
        if settings.signing_key:
            return cls(settings.signing_key, settings.signing_key_password)
        path = development_key_path(settings.home)
        if not path.exists():
            create_development_key(path)
        return cls(path)

    @property
    def signer_name(self) -> str:
        return self.certificate.subject.human_friendly

    @property
    def is_development(self) -> bool:
        return is_development_certificate(self.certificate)

    def sign(
        self,
        pdf: bytes,
        *,
        reason: str = "Lưu trữ hồ sơ số hóa (sohoa archive)",
        location: str | None = None,
        field_name: str = DEFAULT_FIELD,
        require_pdfa: bool = False,
    ) -> bytes:
        """Return ``pdf`` with a PAdES B-B signature appended as an incremental update."""
        before = pdfa_claim(pdf)
        if require_pdfa and before is None:
            raise SigningError("input does not claim PDF/A in its XMP metadata")
        try:
            writer = _KeepVersionWriter(io.BytesIO(pdf), strict=False)
            existing = {name for name, *_ in fields.enumerate_sig_fields(writer.prev)}
            name = field_name
            n = 1
            while name in existing:
                n += 1
                name = f"{field_name}-{n}"
            meta = signers.PdfSignatureMetadata(
                field_name=name,
                md_algorithm="sha256",
                subfilter=fields.SigSeedSubFilter.PADES,
                reason=reason,
                location=location,
            )
            spec = fields.SigFieldSpec(
                sig_field_name=name,
                box=None,
                invis_sig_settings=fields.InvisSigSettings(
                    set_print_flag=True, set_hidden_flag=False
                ),
            )
            pdf_signer = signers.PdfSigner(meta, signer=self._signer, new_field_spec=spec)
            out = _off_event_loop(pdf_signer.sign_pdf, writer, in_place=False,
                                  bytes_reserved=self._bytes_reserved)
            signed = out.getvalue()
            if self._bytes_reserved is None:
                self._bytes_reserved = _reserved_bytes(signed)
        except SohoaError:
            raise
        except Exception as exc:  # pyHanko raises many types for unreadable input
            raise SigningError(f"could not sign PDF: {exc}") from exc
        if not signed.startswith(pdf):
            raise SigningError("signature was not an incremental update")
        if before is not None and pdfa_claim(signed) != before:
            raise SigningError(f"signing lost the PDF/A claim {before}")
        return signed


def _reserved_bytes(signed: bytes) -> int:
    """Room reserved for the last signature's CMS, in hex digits as pyHanko counts it (the
    /Contents gap of the byte range, less its angle brackets)."""
    sig = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures[-1]
    _, len1, start2, _ = (int(x) for x in sig.byte_range)
    return start2 - len1 - 2


def is_development_certificate(cert: asn1_x509.Certificate) -> bool:
    return "DEVELOPMENT" in (cert.subject.native.get("common_name") or "")


# --------------------------------------------------------------------------- checks


def pdfa_claim(pdf: bytes) -> str | None:
    """The PDF/A part+conformance the XMP claims, e.g. ``"2B"``; None when there is none."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            status = doc.open_metadata().pdfa_status
    except Exception:
        return None
    return status or None


def pdf_header_version(pdf: bytes) -> str | None:
    m = re.match(rb"%PDF-(\d\.\d)", pdf[:16])
    return m.group(1).decode() if m else None


@dataclass
class VerifyReport:
    intact: bool  # the signed bytes hash to what the signature says, and nothing else changed
    valid: bool  # the cryptographic signature is correct
    signer: str | None
    modified_after_signing: bool  # incremental updates after the (last) signature
    details: dict[str, Any] = field(default_factory=dict)
    trusted: bool = False  # chains to a trust root we were given
    development_key: bool = False
    pdfa: str | None = None
    checksum_ok: bool | None = None  # when verified against a stored SHA-256
    trust_required: bool = False  # trust roots were given: the signer must chain to one

    @property
    def ok(self) -> bool:
        return (
            self.intact
            and self.valid
            and not self.modified_after_signing
            and self.checksum_ok is not False
            and (self.trusted or not self.trust_required)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "signer": self.signer,
            "development_key": self.development_key,
            "modified_after_signing": self.modified_after_signing,
            "pdfa": self.pdfa,
            "checksum_ok": self.checksum_ok,
            "details": self.details,
        }


def _der_tlv_end(buf: bytes, pos: int, end: int) -> int | None:
    """End offset of the DER TLV at ``pos`` (None when malformed or not minimal)."""
    if pos >= end:
        return None
    tag = buf[pos]
    if tag == 0:  # end-of-contents / zero padding is not a DER element
        return None
    pos += 1
    if tag & 0x1F == 0x1F:  # high tag number form
        while pos < end and buf[pos] & 0x80:
            pos += 1
        pos += 1
    if pos >= end:
        return None
    first = buf[pos]
    pos += 1
    if first == 0x80:  # indefinite length: BER, not DER
        return None
    if first & 0x80:
        n = first & 0x7F
        if n > 4 or pos + n > end or buf[pos] == 0:
            return None
        length = int.from_bytes(buf[pos : pos + n], "big")
        if length < 0x80:
            return None
        pos += n
    else:
        length = first
    if pos + length > end:
        return None
    return pos + length


def _der_strict(buf: bytes, start: int, end: int, depth: int = 0) -> bool:
    """The TLVs in ``buf[start:end]`` tile it exactly, recursing into constructed ones."""
    if depth > 64:
        return False
    pos = start
    while pos < end:
        tlv_end = _der_tlv_end(buf, pos, end)
        if tlv_end is None:
            return False
        tag = buf[pos]
        if tag & 0x20:  # constructed: its content must itself be exact TLVs
            hdr = pos + 1
            if tag & 0x1F == 0x1F:
                while buf[hdr] & 0x80:
                    hdr += 1
                hdr += 1
            first = buf[hdr]
            content = hdr + 1 + (first & 0x7F if first & 0x80 else 0)
            if not _der_strict(buf, content, tlv_end, depth + 1):
                return False
        pos = tlv_end
    return pos == end


def _contents_canonical(data: bytes, byte_range, cms: bytes) -> str | None:
    """Problem with the raw ``/Contents`` hex string, or None when it is canonical."""
    _, len1, start2, _ = (int(x) for x in byte_range)
    raw = data[len1:start2]
    if len(raw) < 2 or raw[:1] != b"<" or raw[-1:] != b">":
        return "signature /Contents is not a hex string at the signed gap"
    hexpart = raw[1:-1]
    if len(hexpart) % 2:
        return "signature /Contents has an odd number of hex digits"
    if hexpart not in (hexpart.lower(), hexpart.upper()):
        return "signature /Contents mixes upper- and lower-case hex digits"
    try:
        decoded = bytes.fromhex(hexpart.decode("ascii"))
    except ValueError:
        return "signature /Contents is not valid hex"
    # One strict-DER CMS blob (every length minimal and exact, recursively), then zeros only.
    end = _der_tlv_end(decoded, 0, len(decoded))
    if end is None or not _der_strict(decoded, 0, end):
        return "signature /Contents is not strict DER (a length or tag was modified)"
    if any(decoded[end:]):
        return "signature /Contents padding was modified"
    if cms and decoded[:end] != bytes(cms[:end]):
        return "signature /Contents differs from the parsed CMS"
    return None


@contextmanager
def _quiet_validation_log():
    """pyHanko logs an untrusted self-signed signer at ERROR with a traceback; the report
    already says ``trusted: false``."""
    lg = logging.getLogger("pyhanko.sign.validation.generic_cms")
    old = lg.level
    lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        lg.setLevel(old)


def verify_pdf(
    data: bytes,
    *,
    trust_roots: list[asn1_x509.Certificate] | None = None,
    expected_sha256: str | None = None,
) -> VerifyReport:
    """Validate every signature in ``data`` with pyHanko; see :class:`VerifyReport`.

    ``trust_roots``: certificates to trust (e.g. the Center's CA or the development
    certificate). ``expected_sha256``: the checksum recorded at archiving, if known.
    """
    import hashlib

    details: dict[str, Any] = {"problems": []}
    problems: list[str] = details["problems"]
    checksum_ok = None
    if expected_sha256:
        checksum_ok = hashlib.sha256(data).hexdigest() == expected_sha256
        if not checksum_ok:
            problems.append("SHA-256 differs from the one recorded when the file was archived")
    details["header_version"] = pdf_header_version(data)
    pdfa = pdfa_claim(data)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:
        problems.append(f"unreadable PDF: {exc}")
        return VerifyReport(False, False, None, False, details, pdfa=pdfa, checksum_ok=checksum_ok)
    if not sigs:
        problems.append("no signature in the document")
        return VerifyReport(False, False, None, False, details, pdfa=pdfa, checksum_ok=checksum_ok)

    # Only the roots we are given (never the OS store: the Center's CA is not in it).
    vc_kwargs: dict[str, Any] = {"allow_fetching": False, "trust_roots": list(trust_roots or [])}
    intact = valid = trusted = True
    modified = False
    signer = None
    dev = False
    sig_details = []
    for sig in sigs:
        entry: dict[str, Any] = {"field": sig.field_name}
        try:
            vc = ValidationContext(**vc_kwargs)
            with _quiet_validation_log():
                status = _off_event_loop(
                    lambda sig=sig, vc=vc: asyncio.run(
                        async_validate_pdf_signature(sig, signer_validation_context=vc)
                    )
                )
        except Exception as exc:
            problems.append(f"signature {sig.field_name}: cannot be validated: {exc}")
            intact = valid = trusted = False
            entry["error"] = str(exc)
            sig_details.append(entry)
            continue
        canon = _contents_canonical(data, sig.byte_range, sig.pkcs7_content)
        if canon:
            problems.append(f"signature {sig.field_name}: {canon}")
        s_intact = bool(status.intact) and canon is None
        intact &= s_intact
        valid &= bool(status.valid)
        trusted &= bool(status.trusted)
        cov = status.coverage.name if status.coverage is not None else None
        mod = status.modification_level.name if status.modification_level is not None else None
        if cov != "ENTIRE_FILE" and sig is sigs[-1]:
            modified = True
        if not status.intact:
            problems.append(f"signature {sig.field_name}: signed bytes were modified")
        if not status.valid:
            problems.append(f"signature {sig.field_name}: cryptographic signature is invalid")
        signer = status.signing_cert.subject.human_friendly
        dev = is_development_certificate(status.signing_cert)
        entry.update(
            intact=s_intact,
            valid=bool(status.valid),
            trusted=bool(status.trusted),
            coverage=cov,
            modification_level=mod,
            signer=signer,
            signed_at=status.signer_reported_dt.isoformat() if status.signer_reported_dt else None,
            md_algorithm=status.md_algorithm,
        )
        sig_details.append(entry)
    if modified:
        problems.append("the document was changed (incremental update) after it was signed")
    if dev:
        details["warning"] = "signed with the sohoa DEVELOPMENT key, not the Center's key"
    details["signatures"] = sig_details
    return VerifyReport(
        intact=intact,
        valid=valid,
        signer=signer,
        modified_after_signing=modified,
        details=details,
        trusted=trusted,
        development_key=dev,
        pdfa=pdfa,
        checksum_ok=checksum_ok,
        trust_required=bool(trust_roots),
    )


def load_certificate(path: str | os.PathLike[str]) -> asn1_x509.Certificate:
    """A PEM or DER certificate file (e.g. the development ``.pem``) for ``trust_roots``."""
    raw = Path(path).read_bytes()
    if b"-----BEGIN" in raw:
        cert = x509.load_pem_x509_certificate(raw)
        raw = cert.public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(raw)
