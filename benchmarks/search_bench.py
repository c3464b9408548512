"""Search latency with N synthetic Vietnamese documents indexed (default 100 000).

    .venv/bin/python benchmarks/search_bench.py [--docs 100000] [--repeat 10]

Runs on embedded SQLite (a fresh file under benchmarks/work/) and, when SOHOA_TEST_PG_URL is
set, on PostgreSQL (in a throwaway schema). Queries mix diacritics / none, phrases, prefixes and
filters. Prints p50/p95 per database and per query kind. Targets: p95 <= 50 ms on SQLite,
<= 100 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.db import init_db  # noqa: E402
from storage.search import SearchDoc, SearchFilters, SearchIndex, fold  # noqa: E402

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trịnh",
    "Mai",
    "Tạ",
]
MIDDLE = [
    "Văn",
    "Thị",
    "Hữu",
    "Đức",
    "Minh",
    "Thanh",
    "Ngọc",
    "Quốc",
    "Xuân",
    "Thu",
    "Gia",
    "Bảo",
    "Khánh",
    "Tuấn",
    "Hoài",
    "Phương",
]
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
    "Tâm",
    "Thảo",
    "Trang",
    "Trung",
    "Tú",
    "Tuyết",
    "Vân",
    "Việt",
    "Yến",
    "Khoa",
    "Đông",
    "Giang",
    "Hiếu",
    "Huy",
    "Kiên",
    "Lộc",
    "Minh",
    "Nhật",
    "Oanh",
    "Phong",
    "Quyên",
]
TITLES = {
    "birth_registration": "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "death_registration": "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
    "complaint": "ĐƠN KHIẾU NẠI",
    "power_of_attorney": "GIẤY ỦY QUYỀN",
    "residence_change": "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
    "id_card_application": "TỜ KHAI CĂN CƯỚC CÔNG DÂN",
    "land_allocation_request": "ĐƠN XIN GIAO ĐẤT CHO THUÊ ĐẤT",
    "unemployment_benefit_request": "ĐỀ NGHỊ HƯỞNG TRỢ CẤP THẤT NGHIỆP",
    "dossier_receipt": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
}
WARDS = [
    "Hàng Bạc",
    "Hàng Đào",
    "Dịch Vọng",
    "Láng Hạ",
    "Kim Mã",
    "Ngọc Hà",
    "Trung Hòa",
    "Yên Hòa",
    "Mai Dịch",
    "Nghĩa Đô",
    "Bạch Mai",
    "Thanh Xuân Bắc",
    "Phúc Xá",
    "Cửa Nam",
]
DISTRICTS = [
    "Hoàn Kiếm",
    "Cầu Giấy",
    "Đống Đa",
    "Ba Đình",
    "Hai Bà Trưng",
    "Thanh Xuân",
    "Tây Hồ",
    "Long Biên",
    "Hoàng Mai",
    "Nam Từ Liêm",
    "Bắc Từ Liêm",
    "Hà Đông",
]
FILLER = (
    "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước "
    "pháp luật về cam đoan của mình. Đề nghị cơ quan có thẩm quyền xem xét giải quyết."
)


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def synthetic(n: int, seed: int = 2026):
    rng = random.Random(seed)
    types = sorted(TITLES)
    for i in range(n):
        t = rng.choice(types)
        name, other = person(rng), person(rng)
        if rng.random() < 0.5:
            name = name.upper()
        addr = f"Phường {rng.choice(WARDS)}, Quận {rng.choice(DISTRICTS)}, Thành phố Hà Nội"
        day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        idn = f"001{rng.randint(0, 3)}{rng.randint(0, 99):02d}{rng.randint(0, 999999):06d}"
        body = (
            f"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc\n{TITLES[t]}\n"
            f"Kính gửi: Ủy ban nhân dân phường {rng.choice(WARDS)}\n"
            f"Họ, chữ đệm, tên người yêu cầu: {name}\nSố định danh cá nhân: {idn}\n"
            f"Nơi cư trú: {addr}\nQuan hệ với người được khai: {other}\n{FILLER}\n"
            f"Làm tại Hà Nội, ngày {day[8:]} tháng {day[5:7]} năm 2026"
        )
        if rng.random() < 0.1:  # a scan OCR'd without diacritics
            body = fold(body).upper()
        yield SearchDoc(
            document_id=f"doc-{i:07d}",
            document_type=t,
            branch=f"hn{rng.randint(1, 12):02d}",
            dossier_code=f"000.00.17.H26-26{i % 1000:04d}-{i:05d}" if i % 10 < 7 else None,
            doc_date=day,
            archive_key=f"archive/2026/{day[5:7]}/nodossier/{i:064x}.pdf",
            fields=(name, idn, addr, other, day),
            body=body,
        )


QUERIES: list[tuple[str, str, SearchFilters | None]] = [
    ("plain", "nguyen van an", None),
    ("diacritics", "NGUYỄN VĂN AN", None),
    ("plain", "tran thi lan", None),
    ("diacritics", "Đặng Thu Trang", None),
    ("plain", "dang ky khai sinh", None),
    ("phrase", '"dang ky khai tu"', None),
    ("phrase", '"phường dịch vọng"', None),
    ("prefix", "nguy* thi*", None),
    ("prefix", "khie*", None),
    ("prefix", '"hoang xuan hu"*', None),
    ("filter", "nguyen", SearchFilters(branch="hn03")),
    (
        "filter",
        "khai sinh",
        SearchFilters(
            document_type="birth_registration", date_from="2026-03-01", date_to="2026-03-31"
        ),
    ),
    ("filter", "ha noi", SearchFilters(dossier_code="000.00.17.H26-260042-00042")),
    ("filter", "nguyen", SearchFilters(dossier_code="000.00.17.H26-260043-00043")),
    ("filter", "", SearchFilters(branch="hn05", date_from="2026-11-01")),
    ("common", "ha noi", None),
    ("common", "thị", None),
    ("id", "0010*", None),
    ("rare", "oanh", None),
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def bench(name: str, index: SearchIndex, docs: int, repeat: int) -> list[tuple]:
    t = time.perf_counter()
    if index.count() < docs:
        index.index_many(synthetic(docs), batch=5000)
    t_index = time.perf_counter() - t
    print(f"[{name}] {index.count()} documents indexed in {t_index:.1f} s", file=sys.stderr)
    for _, q, f in QUERIES:  # warm caches
        index.search(q, f)
    per_kind: dict[str, list[float]] = {}
    all_ms: list[float] = []
    hits_n = {}
    for _ in range(repeat):
        for kind, q, f in QUERIES:
            t = time.perf_counter()
            hits = index.search(q, f, limit=20)
            ms = (time.perf_counter() - t) * 1000
            per_kind.setdefault(kind, []).append(ms)
            all_ms.append(ms)
            hits_n[q] = len(hits)
    rows = [(name, "all", len(all_ms), pct(all_ms, 50), pct(all_ms, 95), max(all_ms), t_index)]
    for kind, xs in per_kind.items():
        rows.append((name, kind, len(xs), pct(xs, 50), pct(xs, 95), max(xs), None))
    empty = [q for q, n in hits_n.items() if n == 0]
    if empty:
        print(f"[{name}] queries with no hits: {empty}", file=sys.stderr)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument(
        "--keep",
        action="store_true",
        help="reuse benchmarks/work/search-N.db and the PostgreSQL schema bench_keep",
    )
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = ap.parse_args()

    rows = []
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / f"search-{args.docs}.db"
    if not args.keep:
        for p in work.glob(f"search-{args.docs}.db*"):
            p.unlink()
    sq = init_db(f"sqlite:///{db_path}")
    rows += bench("sqlite", SearchIndex.for_database(sq), args.docs, args.repeat)
    sq.dispose()

    pg_url = None if args.no_pg else os.environ.get("SOHOA_TEST_PG_URL")
    if pg_url:
        schema = "bench_keep" if args.keep else f"bench_{uuid.uuid4().hex[:8]}"
        eng = create_engine(pg_url)
        with eng.begin() as c:
            c.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        try:
            sep = "&" if "?" in pg_url else "?"
            pg = init_db(f"{pg_url}{sep}options=-csearch_path%3D{schema}")
            ix = SearchIndex.for_database(pg)
            t = time.perf_counter()
            if ix.count() < args.docs:
                ix.index_many(synthetic(args.docs), batch=5000)
            print(f"[postgresql] indexed in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            # What autovacuum does after a bulk load: merge GIN pending lists, set statistics.
            with pg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE search_docs"))
            rows += bench("postgresql", ix, args.docs, args.repeat)
            pg.dispose()
        finally:
            if not args.keep:
                with eng.begin() as c:
                    c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            eng.dispose()
    else:
        print("SOHOA_TEST_PG_URL not set: PostgreSQL skipped", file=sys.stderr)

    print(
        f"\nsearch latency, {args.docs} documents, {args.repeat} rounds of {len(QUERIES)} queries"
    )
    print(f"{'database':<11} {'queries':<11} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, kind, n, p50, p95, mx, _ in rows:
        print(f"{name:<11} {kind:<11} {n:>5} {p50:>8.1f} {p95:>8.1f} {mx:>8.1f}")
    targets = {"sqlite": 50.0, "postgresql": 100.0}
    ok = True
    for name, kind, _, _, p95, _, _ in rows:
        if kind == "all":
            met = p95 <= targets[name]
            ok &= met
            print(
                f"{name}: p95 {p95:.1f} ms, target {targets[name]:.0f} ms: "
                f"{'met' if met else 'NOT met'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
