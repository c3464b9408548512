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
    # typed without diacritics both are folded matches in a field; bm25 ranks the document
    # that also has the name in its text (death-1) first
    hits = index.search("nguyen van an")
    assert ids(hits) == ["death-1", "birth-1"] and hits[0].score == hits[1].score == 2.0


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
    # "Đông Anh" only in complaint's body; "Anh" is also nobody's field. Typed without
    # diacritics, "exact" does not count (an OCR that lost them is no better a match): 1 + field
    hits = index.search("hoa")
    assert ids(hits) == ["poa-1"] and hits[0].score == 2.0
    hits = index.search("hoà")  # not the written form "Hoa": a folded match only, in a field
    assert ids(hits) == ["poa-1"] and hits[0].score == 2.0
    hits = index.search("Hoa Đặng")
    assert ids(hits) == ["poa-1"] and hits[0].score == 6.0  # 1 + exact 4 + in a field 1


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


def by_tier(hits):
    out = {}
    for h in hits:
        out.setdefault(h.score, set()).add(h.document_id)
    return out


def all_pages(index, q, f, per_page=7):
    """Every hit, page by page with the keyset cursor."""
    got, cursor, totals = [], None, set()
    for _ in range(200):
        page = index.search_page(q, f, limit=per_page, cursor=cursor)
        got += [h.document_id for h in page.hits]
        totals.add(page.total)
        cursor = page.next_cursor
        if cursor is None:
            return got, totals
    raise AssertionError("the cursor did not end")


def test_sqlite_and_postgresql_agree(tmp_path):
    """Both databases find the same documents, with the same score tiers, snippets and real
    totals. Within a tier each orders by its own ranker (FTS5 bm25, PostgreSQL ts_rank), which
    weigh term frequency and length differently, so the order inside a tier is compared per
    database (cursor pages = one long page), not across them."""
    docs = list(synthetic_search_docs(600))
    sqlite_db = init_db(f"sqlite:///{tmp_path / 's.db'}")
    sq = SearchIndex.for_database(sqlite_db)
    sq.index_many(docs)
    with pg_schema_url() as url:
        pg_db = init_db(url)
        pg = SearchIndex.for_database(pg_db)
        pg.index_many(docs)
        assert sq.count() == pg.count() == 600
        for q, f in QUERIES:
            a = sq.search_page(q, f, limit=1000)
            b = pg.search_page(q, f, limit=1000)
            assert a.hits or q == "", f"query {q!r} found nothing; the corpus should have hits"
            assert a.total == b.total == len(a.hits), q
            assert by_tier(a.hits) == by_tier(b.hits), q
            assert [h.score for h in a.hits] == sorted((h.score for h in a.hits), reverse=True)
            snippets = {h.document_id: h.snippet for h in a.hits}
            assert snippets == {h.document_id: h.snippet for h in b.hits}, q
            for ix, full in ((sq, a), (pg, b)):
                paged, totals = all_pages(ix, q, f)
                assert paged == [h.document_id for h in full.hits], (q, ix)
                assert totals == {full.total}
                assert [h.document_id for h in ix.search(q, f, limit=5, offset=5)] == paged[5:10]
        # Tiers too large to rank are listed newest first: then the two databases agree on
        # the whole order, whichever plan runs (filtered probes or the walk of the matches).
        import storage.search as search_module

        old_limit = search_module.RANK_LIMIT
        search_module.RANK_LIMIT = 0
        try:
            for probe_limit in (300, 0, 10_000):
                sq.PROBE_LIMIT = pg.PROBE_LIMIT = probe_limit
                for q, f in QUERIES:
                    a = sq.search_page(q, f, limit=1000)
                    b = pg.search_page(q, f, limit=1000)
                    got = [(h.document_id, h.score, h.snippet) for h in a.hits]
                    assert got == [(h.document_id, h.score, h.snippet) for h in b.hits], q
                    assert a.total == b.total == len(got)
                    for ix in (sq, pg):
                        paged, _ = all_pages(ix, q, f)
                        assert paged == [g[0] for g in got], (q, probe_limit)
        finally:
            search_module.RANK_LIMIT = old_limit
            sq.PROBE_LIMIT = pg.PROBE_LIMIT = 300
        # the title of a birth registration: every birth registration comes first, in both
        births = {d.document_id for d in docs if d.document_type == "birth_registration"}
        for ix in (sq, pg):
            hits = ix.search_page("dang ky khai sinh", limit=1000).hits
            n = sum(1 for h in hits if h.document_id in births)
            assert n > 5 and {h.document_id for h in hits[:n]} == births & {
                h.document_id for h in hits}
        pg_db.dispose()
    sqlite_db.dispose()


def test_total_cursor_and_empty_query(index):
    page = index.search_page("nguy*", limit=1)
    assert page.total == 3 and len(page.hits) == 1 and page.next_cursor
    second = index.search_page("nguy*", limit=1, cursor=page.next_cursor)
    assert second.total == 3 and second.hits[0].document_id != page.hits[0].document_id
    empty = index.search_page(' " * ')
    assert empty.query_empty and empty.hits == [] and empty.total == 0
    with pytest.raises(ValueError):
        index.search_page("nguyen", cursor="not-a-cursor")
