"""Fixtures and helpers for the storage tests (imported by tests/test_storage_*.py).

Real servers only. ``SOHOA_TEST_S3_ENDPOINT`` / ``SOHOA_TEST_PG_URL`` name them (see
``scripts/services.sh``). When one is missing, tests that need it are skipped, or FAIL when
``SOHOA_TEST_SERVICES=1`` (CI) says the services must be there.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import text

from pipeline.config import Settings
from pipeline.model import Classification, DocumentResult, Field, OcrPage, PageStatus

S3_ENV = "SOHOA_TEST_S3_ENDPOINT"
PG_ENV = "SOHOA_TEST_PG_URL"


def require_service(env: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    msg = f'{env} is not set (start the test services: eval "$(scripts/services.sh start)")'
    if os.environ.get("SOHOA_TEST_SERVICES") == "1":
        pytest.fail(msg)
    pytest.skip(msg)


def s3_endpoint() -> str:
    return require_service(S3_ENV)


def pg_url() -> str:
    return require_service(PG_ENV)


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL of the test PostgreSQL database pointing at a new, empty schema (dropped after).

    Other test runs may share the database: each test gets its own schema, never ``public``.
    """
    from sqlalchemy import create_engine

    url = pg_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with eng.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        eng.dispose()


@pytest.fixture
def pg_db_url() -> Iterator[str]:
    with pg_schema_url() as url:
        yield url


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sohoa.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> Iterator[str]:
    """Both databases: SQLite in a temp folder, PostgreSQL in a fresh schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sohoa.db'}"
    else:
        with pg_schema_url() as url:
            yield url


@pytest.fixture
def s3_store():
    from storage.retry import RetryPolicy
    from storage.s3store import S3ObjectStore

    return S3ObjectStore(
        s3_endpoint(),
        "test",
        "test",
        unique_bucket(),
        retention_days=1,
        policy=RetryPolicy(attempts=2, base_delay=0.1),
    )


@pytest.fixture
def local_store(tmp_path: Path):
    from storage.objectstore import LocalObjectStore

    return LocalObjectStore(tmp_path / "objects")


@pytest.fixture(params=["local", "s3"])
def any_store(request, tmp_path: Path):
    if request.param == "local":
        return request.getfixturevalue("local_store")
    return request.getfixturevalue("s3_store")


def unique_bucket(prefix: str = "sohoa-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def settings_for(
    home: Path,
    *,
    database_url: str | None = None,
    s3_endpoint: str | None = None,
    bucket: str | None = None,
    retention_years: int = 0,
) -> Settings:
    return Settings(
        home=home,
        database_url=database_url,
        s3_endpoint=s3_endpoint,
        s3_access_key="test" if s3_endpoint else None,
        s3_secret_key="test" if s3_endpoint else None,
        s3_bucket=bucket or unique_bucket(),
        retention_years=retention_years,
    )


# --------------------------------------------------------------------------- PDFs


def _srgb_icc() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_pdfa(label: str = "sohoa test", *, pages: int = 1, version: str = "1.7") -> bytes:
    """A small PDF that claims PDF/A-2B (XMP + sRGB OutputIntent), vector content only.

    Not a validated PDF/A (the real writer is ``pipeline/pdfa.py``), but it carries everything
    the signer must preserve: the header version, the XMP claim and the OutputIntent.
    """
    pdf = pikepdf.new()
    for i in range(pages):
        # Draw a few rectangles whose sizes depend on the label, so content differs per label.
        h = hashlib.sha256(f"{label}/{i}".encode()).digest()
        ops = ["0.2 0.2 0.2 rg"]
        for j in range(6):
            ops.append(f"{50 + j * 80} {400 + h[j] % 200} 60 {20 + h[j + 6] % 80} re f")
        content = pdf.make_stream("\n".join(ops).encode())
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595, 842],
            Contents=content,
            Resources=pikepdf.Dictionary(),
        )
        pdf.pages.append(pikepdf.Page(page))
    icc = pdf.make_stream(_srgb_icc())
    icc.N = 3
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier=pikepdf.String("sRGB"),
                DestOutputProfile=icc,
            )
        ]
    )
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = label
    out = io.BytesIO()
    pdf.save(out, min_version=version, force_version=version, fix_metadata_version=False)
    return out.getvalue()


# --------------------------------------------------------------------------- results


def make_result(
    document_id: str,
    *,
    document_type: str = "birth_registration",
    fields: dict[str, str | None] | None = None,
    text_: str = "",
    dossier_code: str | None = None,
    sha256: str | None = None,
    file: str = "scan.pdf",
    needs_review: tuple[str, ...] = (),
) -> DocumentResult:
    fields = fields or {}
    page = OcrPage(number=1, width=2480, height=3508, words=[], text=text_)
    page.status = PageStatus.OK
    return DocumentResult(
        document_id=document_id,
        file=file,
        sha256=sha256,
        kind="pdf",
        pages=[page],
        classification=Classification(document_type, 0.97, ["title"]),
        fields={
            k: Field(
                id=k,
                kind="name" if k.endswith("_name") else "text",
                value=v,
                raw=v,
                confidence=0.5 if k in needs_review else 0.98,
                page=1,
                bbox=(100, 200, 900, 260),
                needs_review=k in needs_review,
                reasons=["low_confidence"] if k in needs_review else [],
            )
            for k, v in fields.items()
        },
        dossier_code=dossier_code,
    )


def write_original(tmp_path: Path, content: bytes, name: str = "scan.pdf") -> Path:
    p = tmp_path / name
    p.write_bytes(content)
    return p


def now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- search corpus

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc"]
GIVEN = [
    "An",
    "Anh",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hà",
    "Hải",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Ngân",
    "Nhung",
    "Phúc",
    "Quân",
    "Sơn",
]
TITLES = {
    "birth_registration": "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "death_registration": "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
    "complaint": "ĐƠN KHIẾU NẠI",
    "power_of_attorney": "GIẤY ỦY QUYỀN",
    "residence_change": "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
}
PLACES = [
    "Phường Hàng Bạc, Quận Hoàn Kiếm",
    "Xã Đông Anh, Huyện Đông Anh",
    "Phường Dịch Vọng, Quận Cầu Giấy",
    "Phường Láng Hạ, Quận Đống Đa",
]


def synthetic_search_docs(n: int, seed: int = 7):
    """``n`` reproducible SearchDocs with Vietnamese names, titles and places."""
    import random

    from storage.search import SearchDoc

    rng = random.Random(seed)
    types = sorted(TITLES)
    for i in range(n):
        t = rng.choice(types)
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        other = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if rng.random() < 0.5:
            name = name.upper()
        place = rng.choice(PLACES)
        day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        body = (
            f"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n{TITLES[t]}\n"
            f"Họ và tên: {name}\nNơi cư trú: {place}, Thành phố Hà Nội\n"
            f"Người làm chứng: {other}\nNgày {day[8:]} tháng {day[5:7]} năm 2026"
        )
        # Some documents are OCR'd without diacritics (bad scans): search must still find them.
        if rng.random() < 0.1:
            from storage.search import fold

            body = fold(body).upper()
        yield SearchDoc(
            document_id=f"doc-{i:06d}",
            document_type=t,
            branch=f"hn{rng.randint(1, 5):02d}",
            dossier_code=f"000.00.17.H26-2611{i % 30:02d}-{i:04d}" if rng.random() < 0.6 else None,
            doc_date=day,
            archive_key=f"archive/2026/{day[5:7]}/nodossier/{i:064x}.pdf",
            fields=(name, place, day),
            body=body,
        )
