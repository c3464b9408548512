"""PAdES signing keeps PDF/A-2b; pyHanko's validator accepts it; one changed byte is caught."""

from __future__ import annotations

import io
import random

import pikepdf
import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from pipeline.config import Settings
from storage.signing import (
    DEV_SUBJECT_CN,
    PdfSigner,
    create_development_key,
    development_key_path,
    pdfa_claim,
    verify_pdf,
)
from tests.storage_fixtures import make_pdfa


@pytest.fixture(scope="module")
def signer(tmp_path_factory) -> PdfSigner:
    home = tmp_path_factory.mktemp("home")
    return PdfSigner.from_settings(Settings(home=home))


@pytest.fixture(scope="module")
def signed(signer) -> tuple[bytes, bytes]:
    pdf = make_pdfa("signing test", pages=2)
    return pdf, signer.sign(pdf)


def test_development_key_created_once(tmp_path):
    s1 = PdfSigner.from_settings(Settings(home=tmp_path))
    path = development_key_path(tmp_path)
    assert path.is_file()
    assert (path.stat().st_mode & 0o777) == 0o600
    s2 = PdfSigner.from_settings(Settings(home=tmp_path))
    assert s1.certificate.dump() == s2.certificate.dump()
    assert DEV_SUBJECT_CN in s1.signer_name
    assert s1.is_development
    # A second create does not replace the existing key.
    create_development_key(path)
    assert PdfSigner(path).certificate.dump() == s1.certificate.dump()


def test_configured_pkcs12_key(tmp_path):
    p12 = create_development_key(tmp_path / "center.p12")
    s = PdfSigner.from_settings(Settings(home=tmp_path / "home", signing_key=str(p12)))
    assert s.p12_path == p12
    assert not development_key_path(tmp_path / "home").exists()


def test_pyhanko_validator_accepts_signature(signer, signed):
    _, out = signed
    reader = PdfFileReader(io.BytesIO(out))
    [sig] = reader.embedded_signatures
    vc = ValidationContext(trust_roots=[signer.certificate], allow_fetching=False)
    status = validate_pdf_signature(sig, vc)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES baseline
    assert status.md_algorithm == "sha256"


def test_incremental_update_keeps_pdfa(signed):
    pdf, out = signed
    assert out.startswith(pdf)  # the PDF/A bytes are untouched
    assert pdfa_claim(pdf) == "2B"
    assert pdfa_claim(out) == "2B"
    assert out[:8] == pdf[:8] == b"%PDF-1.7"
    with pikepdf.open(io.BytesIO(out)) as doc:
        assert "/Version" not in doc.Root
        assert len(doc.pages) == 2
        [widget] = [f for f in doc.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
        assert int(widget.F) & 0b100  # print flag
        assert not int(widget.F) & 0b10  # not hidden
        assert [float(x) for x in widget.Rect] == [0, 0, 0, 0]  # invisible
        assert len(doc.Root.OutputIntents) == 1


def test_no_version_bump_for_older_header(signer):
    pdf = make_pdfa("old header", version="1.4")
    out = signer.sign(pdf)
    assert out[:8] == b"%PDF-1.4"
    with pikepdf.open(io.BytesIO(out)) as doc:
        assert "/Version" not in doc.Root
    assert verify_pdf(out).intact


def test_verify_report(signer, signed):
    _, out = signed
    r = verify_pdf(out, trust_roots=[signer.certificate])
    assert r.ok and r.intact and r.valid and r.trusted
    assert not r.modified_after_signing
    assert DEV_SUBJECT_CN in r.signer
    assert r.development_key
    assert r.pdfa == "2B"


def test_unsigned_pdf_is_not_intact():
    r = verify_pdf(make_pdfa("unsigned"))
    assert not r.ok and "no signature" in r.details["problems"][0]


def test_modification_after_signing_reported(signer, signed):
    _, out = signed
    w = IncrementalPdfFileWriter(io.BytesIO(out))
    info = w.root
    info["/Lang"] = pikepdf_like_string("vi")
    w.update_root()
    buf = io.BytesIO()
    w.write(buf)
    r = verify_pdf(buf.getvalue(), trust_roots=[signer.certificate])
    assert r.intact  # the signed revision itself is fine ...
    assert r.modified_after_signing  # ... but something was appended
    assert not r.ok


def pikepdf_like_string(s: str):
    from pyhanko.pdf_utils import generic

    return generic.TextStringObject(s)


def _tampered_positions(out: bytes) -> list[int]:
    start = out.index(b"/Contents <") + len(b"/Contents ")
    end = out.index(b">", start)
    rng = random.Random(20261125)
    positions = set(rng.sample(range(len(out)), 120))
    positions |= set(range(start, start + 24))  # '<' and the DER header
    positions |= set(range(end - 24, end + 1))  # zero padding and '>'
    positions |= {0, 5, len(out) - 1, len(out) - 7}
    return sorted(positions)


def test_one_changed_byte_anywhere_is_caught(signer, signed):
    _, out = signed
    missed = []
    for pos in _tampered_positions(out):
        for flip in (0x01, 0x20):
            b = bytearray(out)
            b[pos] ^= flip
            r = verify_pdf(bytes(b), trust_roots=[signer.certificate])
            if r.ok:
                missed.append((pos, flip))
    assert missed == []


def test_hex_case_and_padding_changes_are_caught(signer, signed):
    """Outside the signed byte range: pyHanko alone would accept these."""
    _, out = signed
    start = out.index(b"/Contents <") + len(b"/Contents <")
    end = out.index(b">", start)
    hexpart = out[start:end]
    letter = next(i for i, c in enumerate(hexpart) if chr(c) in "ABCDEFabcdef")
    b = bytearray(out)
    b[start + letter] ^= 0x20  # 'A' <-> 'a': same bytes once decoded
    assert not verify_pdf(bytes(b)).ok
    b = bytearray(out)
    b[end - 3] = ord("1")  # in the zero padding
    assert not verify_pdf(bytes(b)).ok


def test_sign_and_verify_inside_a_running_event_loop(signer):
    """An async web handler may call the signer and verifier directly."""
    import asyncio

    async def handler():
        out = signer.sign(make_pdfa("async"))
        return verify_pdf(out, trust_roots=[signer.certificate])

    assert asyncio.run(handler()).ok
