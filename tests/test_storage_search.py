# ruff: noqa: F811
"""Search: diacritics, phrases, prefixes, filters, ranking; SQLite and PostgreSQL agree."""

from __future__ import annotations

import pytest

from storage.db import init_db
from storage.search import Query, SearchDoc, SearchFilters, SearchIndex, fold, make_snippet
from tests.storage_fixtures import db_url, pg_schema_url, synthetic_search_docs  # noqa: F401

DOCS = [
    SearchDoc(
        "birth-1",
        "birth_registration",
        "hn01",
        "000.00.17.H26-261125-0042",
        "2026-11-20",
        "archive/2026/11/000.00.17.H26-261125-0042/a.pdf",
        ("NGUYỄN VĂN AN", "1995-03-12", "Phường Hàng Bạc"),
        "TỜ KHAI ĐĂNG KÝ KHAI SINH\nHọ, chữ đệm, tên người yêu cầu: NGUYỄN VĂN AN",
    ),
    SearchDoc(
        "death-1",
        "death_registration",
        "hn02",
        None,
        "2026-11-21",
        "archive/2026/11/nodossier/b.pdf",
        ("Nguyen Van An",),
        "TO KHAI DANG KY KHAI TU (scan without diacritics) nguyen van an",
    ),
    SearchDoc(
        "complaint-1",
        "complaint",
        "hn01",
        None,
        "2026-10-01",
        "archive/2026/10/nodossier/c.pdf",
        ("Trần Thị Bình",),
        "ĐƠN KHIẾU NẠI về việc của ông Nguyễn Văn Anh tại Đông Anh",
    ),
    SearchDoc(
        "poa-1",
        "power_of_attorney",
        "hn03",
        "000.00.17.H26-261101-0001",
        "2026-11-01",
        "archive/2026/11/000.00.17.H26-261101-0001/d.pdf",
        ("Đặng Thị Hoa", "Lê Văn Đạt"),
        "GIẤY ỦY QUYỀN: bà Đặng Thị Hoa ủy quyền cho ông Lê Văn Đạt",
    ),
]


@pytest.fixture
def index(db_url) -> SearchIndex:
    db = init_db(db_url)
    ix = SearchIndex.for_database(db)
    for d in DOCS:
        assert ix.index(d)
    yield ix
    db.dispose()


def ids(hits):
    return [h.document_id for h in hits]


def test_fold():
    assert fold("NGUYỄN VĂN AN") == "nguyen van an"
    assert fold("ĐĂNG KÝ KHAI SINH") == "dang ky khai sinh"
    assert fold("Đặng Thị Hoa") == "dang thi hoa"
    # NFD input folds like NFC input
    import unicodedata

    assert fold(unicodedata.normalize("NFD", "Nguyễn")) == "nguyen"


def test_without_diacritics_finds_both(index):
    hits = index.search("nguyen van an")
    assert set(ids(hits)) == {"birth-1", "death-1"}
    assert "complaint-1" not in ids(hits)  # "Anh" is not "An"


def test_exact_diacritics_rank_higher(index):
    hits = index.search("NGUYỄN VĂN AN")
    assert ids(hits) == ["birth-1", "death-1"]
    assert hits[0].score > hits[1].score
    # typed without diacritics, the document written without them is the exact one
    assert ids(index.search("nguyen van an")) == ["death-1", "birth-1"]


def test_title_without_diacritics(index):
    hits = index.search("dang ky khai sinh")
    assert ids(hits) == ["birth-1"]
    assert "[KHAI ĐĂNG KÝ KHAI SINH]" in hits[0].snippet  # every query word is marked
    assert "<mark>KHAI ĐĂNG KÝ KHAI SINH</mark>" in hits[0].snippet_html
    assert hits[0].archive_key.endswith("/a.pdf")


def test_phrase(index):
    assert ids(index.search('"van an"')) == ["death-1", "birth-1"]
    assert ids(index.search('"an van"')) == []
    assert ids(index.search('"khai tu"')) == ["death-1"]
    # words in any order without quotes
    assert set(ids(index.search("an van"))) == {"birth-1", "death-1"}


def test_prefix(index):
    assert set(ids(index.search("nguy*"))) == {"birth-1", "death-1", "complaint-1"}
    assert ids(index.search("khieu*")) == ["complaint-1"]
    assert ids(index.search('"van anh"')) == ["complaint-1"]
    assert set(ids(index.search('"van an"*'))) == {"birth-1", "death-1", "complaint-1"}
    assert ids(index.search("uy quy*")) == ["poa-1"]


def test_filters(index):
    assert ids(index.search("nguyen", SearchFilters(branch="hn01"))) == ["birth-1", "complaint-1"]
    f = SearchFilters(document_type="death_registration")
    assert ids(index.search("nguyen", f)) == ["death-1"]
    f = SearchFilters(dossier_code="000.00.17.H26-261125-0042")
    assert ids(index.search("an", f)) == ["birth-1"]
    f = SearchFilters(date_from="2026-11-01", date_to="2026-11-20")
    assert set(ids(index.search("", f))) == {"birth-1", "poa-1"}
    assert ids(index.search("nguyen", SearchFilters(date_to="2026-10-31"))) == ["complaint-1"]


def test_field_values_rank_above_body_only(index):
    # "Đông Anh" only in complaint's body; "Anh" is also nobody's field -> score 1 + exact 2
    hits = index.search("hoa")
    assert ids(hits) == ["poa-1"] and hits[0].score == 4.0  # exact + in a field


def test_reindex_is_idempotent_and_updates(index):
    n = index.count()
    assert not index.index(DOCS[0])
    assert index.count() == n
    if hasattr(index, "fts_count"):
        assert index.fts_count() == n
    changed = SearchDoc(**{**DOCS[0].__dict__, "fields": ("NGUYỄN VĂN BẢO",)})
    assert index.index(changed)
    assert index.count() == n
    assert "birth-1" not in ids(index.search("1995"))  # the old field value is gone
    assert ids(index.search("bao")) == ["birth-1"]
    assert index.delete("birth-1")
    assert index.count() == n - 1
    assert ids(index.search("bao")) == []


def test_pagination(index):
    all_hits = ids(index.search("nguy*", limit=10))
    assert ids(index.search("nguy*", limit=2)) == all_hits[:2]
    assert ids(index.search("nguy*", limit=2, offset=2)) == all_hits[2:4]


def test_query_parsing():
    q = Query.parse('nguyen "van an"* 15/08/2021 xy* z*')
    assert [t.tokens for t in q.terms] == [
        ("nguyen",),
        ("van", "an"),
        ("15", "08", "2021"),
        ("xy",),
        ("z",),
    ]
    # a one-letter prefix would expand to much of the vocabulary: taken as a word
    assert [t.prefix for t in q.terms] == [False, True, False, True, False]
    assert not Query.parse('  "" * ')
    # FTS5 / tsquery syntax characters in user input are only separators
    assert Query.parse("a OR b NOT c - d").terms[1].tokens == ("or",)
    assert Query.parse("a' & bc:*").tsquery(folded=True) == "('a') & ('bc':*)"


def test_snippet_marks_match():
    q = Query.parse("khai sinh")
    plain, rich = make_snippet("Một <b> TỜ KHAI ĐĂNG KÝ KHAI SINH cho con", q)
    assert "[KHAI] ĐĂNG KÝ [KHAI SINH]" in plain
    assert "&lt;b&gt;" in rich


QUERIES = [
    ("nguyen van an", None),
    ("NGUYỄN VĂN AN", None),
    ("nguyễn", None),
    ("tran thi", None),
    ('"dang ky khai sinh"', None),
    ("dang ky khai*", None),
    ("ha*", None),
    ("đặng", SearchFilters(branch="hn02")),
    ("hoan kiem", SearchFilters(document_type="complaint")),
    ("phuong", SearchFilters(date_from="2026-03-01", date_to="2026-05-31")),
    ("", SearchFilters(dossier_code="000.00.17.H26-261105-0005")),
    ("cu tru", SearchFilters(branch="hn01", document_type="residence_change")),
    ('"dong anh"', None),
    ("lê văn", None),
]


def test_sqlite_and_postgresql_give_identical_results(tmp_path):
    docs = list(synthetic_search_docs(600))
    sqlite_db = init_db(f"sqlite:///{tmp_path / 's.db'}")
    sq = SearchIndex.for_database(sqlite_db)
    sq.index_many(docs)
    with pg_schema_url() as url:
        pg_db = init_db(url)
        pg = SearchIndex.for_database(pg_db)
        pg.index_many(docs)
        assert sq.count() == pg.count() == 600
        expected = {}
        # Every plan must give the same answer: filtered probes vs streaming (SQLite), GIN
        # bitmap vs newest-first scan (PostgreSQL).
        for probe_limit, dense in ((300, 2000), (0, 5), (10_000, 1)):
            sq.PROBE_LIMIT = pg.PROBE_LIMIT = probe_limit
            pg.DENSE = dense
            for q, f in QUERIES:
                a = sq.search(q, f, limit=50)
                b = pg.search(q, f, limit=50)
                got = [(h.document_id, h.score, h.snippet) for h in a]
                assert got == [(h.document_id, h.score, h.snippet) for h in b], q
                assert a or q == "", f"query {q!r} found nothing; the corpus should have hits"
                assert expected.setdefault((q, f), got) == got, (q, probe_limit, dense)
                page2 = [h.document_id for h in sq.search(q, f, limit=5, offset=5)]
                assert page2 == [x[0] for x in got[5:10]]
                assert page2 == [h.document_id for h in pg.search(q, f, limit=5, offset=5)]
        pg_db.dispose()
    sqlite_db.dispose()
