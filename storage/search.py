"""Full-text search over OCR text and extracted field values, Vietnamese diacritic-insensitive.

Text is tokenized and folded here, in Python, for both databases, so that SQLite and
PostgreSQL see exactly the same tokens and give the same hits in the same order:

- tokens: runs of letters/digits of the NFC, lower-cased text (``15/08/2021`` is 3 tokens);
- folded: NFD, combining marks dropped, ``đ→d`` (so ``nguyen`` finds ``NGUYỄN``);
- exact: the lower-cased NFC token (so a query typed with diacritics ranks exact hits first).

Query syntax: words (all must match), ``"a phrase"``, ``prefix*`` (also ``"a phra"*``).
A document is a hit when the *folded* query matches its text. Hits are ranked by a score tier,
then by the database's ranker within the tier, then newest first:

- tier ``1 + 4·exact + 2·title + 1·field``: *exact* = the query typed with diacritics matches
  them exactly (a query typed without any says nothing about diacritics, so an OCR that lost
  them is no better a match); *title* = the query is in the printed title of the document's
  type (``extractors/schemas.json``: ``dang ky khai sinh`` is a birth registration);
  *field* = it is in an extracted field value. A query that looks like a file name
  (``khai-sinh.png``) puts documents with that file name above every tier.
- within a tier: FTS5 ``bm25`` (field columns weighted 3:1 over the body) on SQLite,
  ``ts_rank`` on PostgreSQL, when the tier holds at most ``RANK_LIMIT`` (500) documents;
  a larger tier (a query of common words) is listed newest first, which stops after the
  rows a page needs however many documents match (ranking it would read every match). The
  two rankers weigh frequency and length differently, so the order *inside* a ranked tier
  may differ between the databases; tiers, hits, snippets and totals are the same, and
  unranked tiers are in the same order.
- totals are counted up to ``COUNT_LIMIT`` (1000; beyond it the page says "more than").

:meth:`SearchIndex.search_page` gives the real total and a keyset cursor (the last hit's
tier, rank and row id) for the next page. Snippets are cut in Python from the stored text,
around the window holding the most query terms.

Storage: SQLite FTS5 (contentless, ``ascii`` tokenizer over our tokens) or PostgreSQL
``tsvector`` columns built from our tokens (no parser, no ``unaccent``) with GIN indexes.
Known difference: PostgreSQL keeps at most 256 positions per word and positions up to 16383,
so a *phrase* deep inside a very long document may be found by SQLite only.
"""

from __future__ import annotations

import abc
import base64
import functools
import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

from storage.db import Database, db_retry

_TOKEN_RE = re.compile(r"[^\W_]+")
_QUERY_RE = re.compile(r'"([^"]*)"(\*?)|(\S+)')
MAX_TOKEN_CHARS = 100
MAX_QUERY_TERMS = 16
MIN_PREFIX_CHARS = 2
MAX_SNIPPET_STARTS = 400
FIELD_TAG = "ǂ"  # a letter no Vietnamese word contains: marks field tokens in SQLite FTS5
FIELD_SEP = " · "
PG_MAX_POS = 16383
PG_MAX_POSITIONS_PER_LEXEME = 255


# --------------------------------------------------------------------------- text


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def fold(s: str) -> str:
    """Diacritic-insensitive form: NFC, đ→d, NFD without combining marks, lower case."""
    s = nfc(s).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", s).lower()


_fold_token = functools.lru_cache(maxsize=200_000)(fold)


def tokenize(s: str) -> list[str]:
    """Exact tokens (NFC, lower case) of ``s``."""
    return [t for t in _TOKEN_RE.findall(nfc(s).lower()) if len(t) <= MAX_TOKEN_CHARS]


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class SearchDoc:
    document_id: str
    document_type: str | None = None
    branch: str | None = None
    dossier_code: str | None = None
    doc_date: str | None = None  # YYYY-MM-DD
    archive_key: str | None = None
    fields: tuple[str, ...] = ()  # extracted (or corrected) field values, in field order
    body: str = ""  # OCR text of all pages

    @property
    def fields_text(self) -> str:
        return FIELD_SEP.join(nfc(v) for v in self.fields if v)

    @property
    def body_text(self) -> str:
        return nfc(self.body)

    def content_hash(self) -> str:
        d = asdict(self)
        d["fields"] = list(self.fields)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class SearchFilters:
    document_type: str | None = None
    branch: str | None = None
    dossier_code: str | None = None
    date_from: str | None = None  # inclusive, YYYY-MM-DD
    date_to: str | None = None  # inclusive

    def normalized(self) -> SearchFilters:
        def d(v):
            if v is None or v == "":
                return None
            if isinstance(v, datetime):
                return v.date().isoformat()
            if isinstance(v, date):
                return v.isoformat()
            return date.fromisoformat(str(v)).isoformat()

        return SearchFilters(
            self.document_type or None,
            self.branch or None,
            self.dossier_code or None,
            d(self.date_from),
            d(self.date_to),
        )


@dataclass
class Hit:
    document_id: str
    document_type: str | None
    branch: str | None
    dossier_code: str | None
    date: str | None
    score: float
    snippet: str  # matches in [brackets]
    snippet_html: str  # matches in <mark>, text HTML-escaped
    archive_key: str | None
    file_name: str | None = None
    document_date: str | None = None  # the document's own date (signed, received), ISO

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Term:
    tokens: tuple[str, ...]  # exact tokens; more than one = phrase
    prefix: bool = False

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(_fold_token(t) for t in self.tokens)


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, q: str) -> Query:
        terms: list[Term] = []
        for m in _QUERY_RE.finditer(nfc(q or "")):
            phrase, star, word = m.group(1), m.group(2), m.group(3)
            if word is not None:
                star = "*" if word.endswith("*") else ""
                word = word.rstrip("*")
                toks = tokenize(word)
            else:
                toks = tokenize(phrase)
            if toks:
                # A one-letter prefix would expand to a large part of the vocabulary.
                prefix = bool(star) and len(toks[-1]) >= MIN_PREFIX_CHARS
                terms.append(Term(tuple(toks), prefix=prefix))
        return cls(tuple(terms[:MAX_QUERY_TERMS]))

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def has_diacritics(self) -> bool:
        """Typed with diacritics (then a diacritics-exact match ranks above a folded one)."""
        return any(t.tokens != t.folded for t in self.terms)

    # FTS5 ------------------------------------------------------------------
    def fts5(self, columns: str, folded: bool, tag: str = "") -> str:
        parts = []
        for t in self.terms:
            toks = [tag + x for x in (t.folded if folded else t.tokens)]
            parts.append('"' + " ".join(toks) + '"' + (" *" if t.prefix else ""))
        return "{" + columns + "} : (" + " AND ".join(parts) + ")"

    # PostgreSQL -------------------------------------------------------------
    def tsquery(self, folded: bool) -> str:
        parts = []
        for t in self.terms:
            toks = list(t.folded if folded else t.tokens)
            lex = [f"'{x}'" for x in toks]
            if t.prefix:
                lex[-1] += ":*"
            parts.append("(" + " <-> ".join(lex) + ")")
        return " & ".join(parts)


@dataclass
class SearchPage:
    hits: list[Hit]
    total: int  # every match, not just this page
    next_cursor: str | None  # the next page (None: this is the last)
    query_empty: bool = False  # text was given but nothing searchable was left after parsing
    total_capped: bool = False  # more than COUNT_LIMIT matches: ``total`` is COUNT_LIMIT


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last hit's (score tier, rank, row id)."""

    score: int
    rank: float | None  # None: the tier was listed newest first
    rid: int

    def encode(self) -> str:
        raw = json.dumps([self.score, self.rank, self.rid]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            score, rank, rid = json.loads(raw)
            return cls(int(score), None if rank is None else float(rank), int(rid))
        except (ValueError, TypeError) as exc:
            raise ValueError("invalid page cursor") from exc


# Score tiers: 1 + EXACT_W·[exact, typed with diacritics] + TITLE_W·[the query is in the
# document type's title] + 1·[the query is in a field value]; file-name hits above all.
EXACT_W, TITLE_W = 4, 2
RANK_LIMIT = 500  # a tier with more documents is listed newest first (unranked)
COUNT_LIMIT = 1000  # totals are counted up to this ("more than 1000" beyond)
FILE_TIER = 1 + EXACT_W + TITLE_W + 1 + 1
# The document's own date, by preference.
OWN_DATE_FIELDS = ("signed_date", "received_date", "termination_date")
# bm25 weights of the FTS5 columns fields_f, body_f, fields_e, body_e, fields_t
BM25_WEIGHTS = (3.0, 1.0, 0.0, 0.0, 0.0)
SCHEMAS = Path(__file__).resolve().parent.parent / "extractors" / "schemas.json"


@functools.lru_cache(maxsize=1)
def _titles() -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """(document type, (title tokens, ...)) from the one source of types."""
    data = json.loads(SCHEMAS.read_text(encoding="utf-8"))
    return tuple(
        (code, tuple(tuple(tokenize(t)) for t in spec["titles"]))
        for code, spec in data.items()
        if not code.startswith("_") and isinstance(spec, dict) and spec.get("titles")
    )


def _has_term(tokens: Sequence[str], term: Sequence[str], prefix: bool) -> bool:
    n = len(term)
    for i in range(len(tokens) - n + 1):
        if all(
            tokens[i + j] == term[j]
            or (prefix and j == n - 1 and tokens[i + j].startswith(term[j]))
            for j in range(n)
        ):
            return True
    return False


def title_matches(q: Query) -> tuple[list[str], list[str]]:
    """(types whose printed title holds the query exactly, … holds it without diacritics):
    "dang ky khai sinh" is the title of a birth registration."""
    exact, folded = [], []
    for code, titles in _titles():
        for toks in titles:
            ftoks = [_fold_token(t) for t in toks]
            if all(_has_term(ftoks, t.folded, t.prefix) for t in q.terms):
                folded.append(code)
                if all(_has_term(toks, t.tokens, t.prefix) for t in q.terms):
                    exact.append(code)
                break
    return exact, folded


# --------------------------------------------------------------------------- snippets


def make_snippet(doc_text: str, query: Query, width: int = 12) -> tuple[str, str]:
    """A window of ``doc_text`` around the first match, marked as ``[x]`` and ``<mark>x</mark>``."""
    matches = list(_TOKEN_RE.finditer(doc_text))
    if not matches:
        return "", ""
    folded_tokens = [_fold_token(m.group(0).lower()) for m in matches]
    exact_tokens = [m.group(0).lower() for m in matches]
    marked: set[int] = set()
    starts: list[tuple[int, int, bool]] = []  # (position, term number, exact)
    for t_i, term in enumerate(query.terms):
        ft = term.folded
        et = term.tokens
        n = len(ft)
        for i in range(len(matches) - n + 1):
            ok = True
            exact = True
            for j in range(n):
                a = folded_tokens[i + j]
                last = j == n - 1
                if not (a == ft[j] or (last and term.prefix and a.startswith(ft[j]))):
                    ok = False
                    break
                e = exact_tokens[i + j]
                if not (e == et[j] or (last and term.prefix and e.startswith(et[j]))):
                    exact = False
            if ok:
                marked.update(range(i, i + n))
                starts.append((i, t_i, exact))
    # Centre on the window holding the most different query terms, the most compact first
    # (then exact ones, then the earliest): "dang ky khai sinh" shows the title, not a ward
    # named Minh Khai.
    starts.sort()
    del starts[MAX_SNIPPET_STARTS:]  # a bound on the quadratic look (huge documents)
    best, center = None, 0
    for p, _, _ in starts:
        first: dict[int, tuple[int, bool]] = {}  # term -> its first match at or after p
        for q_pos, t, e in starts:
            if p <= q_pos < p + width and (t not in first or q_pos < first[t][0]):
                first[t] = (q_pos, e)
        span = max(q for q, _ in first.values()) - p
        key = (len(first), -span, sum(1 for _, e in first.values() if e), -p)
        if best is None or key > best:
            best, center = key, p
    lo = max(0, center - width)
    hi = min(len(matches), center + width + 1)
    start = matches[lo].start()
    plain: list[str] = ["…" if lo > 0 else ""]
    rich: list[str] = ["…" if lo > 0 else ""]
    pos = start
    for i in range(lo, hi):
        m = matches[i]
        gap = doc_text[pos : m.start()]
        plain.append(gap)
        rich.append(html.escape(gap))
        if i in marked:
            plain.append(f"[{m.group(0)}]")
            rich.append(f"<mark>{html.escape(m.group(0))}</mark>")
        else:
            plain.append(m.group(0))
            rich.append(html.escape(m.group(0)))
        pos = m.end()
    if hi < len(matches):
        plain.append("…")
        rich.append("…")
    clean = re.compile(r"\s+")
    p = clean.sub(" ", "".join(plain)).strip()
    r = clean.sub(" ", "".join(rich)).strip()
    # "[Nguyễn] [Văn] [An]" reads better as "[Nguyễn Văn An]".
    p = re.sub(r"\] \[", " ", p)
    r = r.replace("</mark> <mark>", " ")
    return p, r


# --------------------------------------------------------------------------- index


_SELECT_COLS = (
    "d.document_id, d.document_type, d.branch, d.dossier_code, d.doc_date, d.archive_key, "
    "d.fields_text, d.body_text"
)


def _filter_sql(f: SearchFilters, params: dict[str, Any]) -> str:
    clauses = []
    if f.document_type:
        clauses.append("d.document_type = :f_type")
        params["f_type"] = f.document_type
    if f.branch:
        clauses.append("d.branch = :f_branch")
        params["f_branch"] = f.branch
    if f.dossier_code:
        clauses.append("d.dossier_code = :f_dossier")
        params["f_dossier"] = f.dossier_code
    if f.date_from:
        clauses.append("d.doc_date >= :f_from")
        params["f_from"] = f.date_from
    if f.date_to:
        clauses.append("d.doc_date <= :f_to")
        params["f_to"] = f.date_to
    return "".join(f" AND {c}" for c in clauses)


class SearchIndex(abc.ABC):
    """One interface; :class:`SqliteSearchIndex` and :class:`PostgresSearchIndex`."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @staticmethod
    def for_database(db: Database | Engine) -> SearchIndex:
        engine = db.engine if isinstance(db, Database) else db
        if engine.dialect.name == "sqlite":
            return SqliteSearchIndex(engine)
        if engine.dialect.name == "postgresql":
            return PostgresSearchIndex(engine)
        raise ValueError(f"no search index for {engine.dialect.name}")

    # -- writing -------------------------------------------------------------
    def index(self, doc: SearchDoc, conn: Connection | None = None) -> bool:
        """Add or update ``doc``; True when something changed (re-indexing is a no-op)."""
        if conn is not None:
            return self._index_one(conn, doc)

        def run():
            with self.engine.begin() as c:
                return self._index_one(c, doc)

        return db_retry(run, what="search index")

    def index_many(self, docs: Iterable[SearchDoc], batch: int = 2000) -> int:
        """Bulk indexing (new documents are inserted in batches); returns changed count."""
        changed = 0
        chunk: list[SearchDoc] = []
        for d in docs:
            chunk.append(d)
            if len(chunk) >= batch:
                changed += self._index_chunk(chunk)
                chunk = []
        if chunk:
            changed += self._index_chunk(chunk)
        return changed

    def _index_chunk(self, docs: list[SearchDoc]) -> int:
        def run():
            with self.engine.begin() as c:
                ids = [d.document_id for d in docs]
                known = set(
                    c.execute(
                        text(
                            "SELECT document_id FROM search_docs WHERE document_id IN :ids"
                        ).bindparams(bindparam("ids", expanding=True)),
                        {"ids": ids},
                    ).scalars()
                )
                fresh: dict[str, SearchDoc] = {}
                later: list[SearchDoc] = []
                for d in docs:
                    if d.document_id in known or d.document_id in fresh:
                        later.append(d)
                    else:
                        fresh[d.document_id] = d
                if fresh:
                    self._bulk_insert(c, [self._values(d) for d in fresh.values()])
                return len(fresh) + sum(self._index_one(c, d) for d in later)

        return db_retry(run, what="search index")

    @staticmethod
    def _values(doc: SearchDoc) -> dict[str, Any]:
        return {
            "document_id": doc.document_id,
            "document_type": doc.document_type,
            "branch": doc.branch,
            "dossier_code": doc.dossier_code,
            "doc_date": doc.doc_date,
            "archive_key": doc.archive_key,
            "content_hash": doc.content_hash(),
            "fields_text": doc.fields_text,
            "body_text": doc.body_text,
        }

    def _bulk_insert(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        for v in rows:
            self._insert(conn, v)

    def _index_one(self, conn: Connection, doc: SearchDoc) -> bool:
        h = doc.content_hash()
        row = conn.execute(
            text(
                "SELECT id, content_hash, fields_text, body_text FROM search_docs "
                "WHERE document_id = :d"
            ),
            {"d": doc.document_id},
        ).first()
        if row is not None and row.content_hash == h:
            return False
        values = self._values(doc)
        if row is None:
            self._insert(conn, values)
        else:
            self._update(conn, row, values)
        return True

    @abc.abstractmethod
    def _insert(self, conn: Connection, values: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def _update(self, conn: Connection, old_row, values: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def delete(self, document_id: str) -> bool: ...

    def count(self) -> int:
        with self.engine.connect() as c:
            return c.execute(text("SELECT count(*) FROM search_docs")).scalar_one()

    # -- reading -------------------------------------------------------------
    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Hit]:
        """Ranked hits for ``query`` (see the module docstring), ``offset`` rows skipped.
        Deep pages are cheaper with :meth:`search_page` and its cursor."""
        return self._ranked(query, filters, limit, offset=offset).hits

    def search_page(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> SearchPage:
        """One page of ranked hits, the real total, and the cursor of the next page (keyset:
        the last hit's (score, rank, id), so page 500 costs what page 2 does)."""
        return self._ranked(query, filters, limit, cursor=Cursor.decode(cursor))

    def _ranked(self, query, filters, limit, *, offset=0, cursor=None) -> SearchPage:
        q = Query.parse(query)
        f = (filters or SearchFilters()).normalized()
        limit = max(0, min(int(limit), 1000))
        offset = max(0, int(offset))
        params: dict[str, Any] = {}
        where = _filter_sql(f, params)
        if not q:
            if (query or "").strip():
                return SearchPage([], 0, None, query_empty=True)
            return self._newest(where, params, limit, offset, cursor)
        files = _file_pattern(query)
        _, title_types = title_matches(q)
        params.update(_type_params("tt", title_types))
        diacritics = q.has_diacritics
        need = offset + limit + 1
        tiers = sorted(
            (
                (1 + EXACT_W * e + TITLE_W * t + fl, e, t, fl)
                for e in ((1, 0) if diacritics else (0,))
                for t in ((1, 0) if title_types else (0,))
                for fl in (1, 0)
            ),
            reverse=True,
        )

        def run() -> tuple[list[Any], int, list[tuple[Any, int, float | None]]]:
            with self.engine.connect() as c:
                file_rows: list[Any] = []
                if files:
                    file_rows = c.execute(
                        text(
                            f"SELECT {_SELECT_COLS}, d.id AS rid FROM search_docs d JOIN "
                            "documents x ON x.id = d.document_id WHERE lower(x.file_name) "
                            f"LIKE :fp ESCAPE '\\'{where} ORDER BY d.id DESC LIMIT 20"
                        ),
                        {**params, "fp": files},
                    ).all()
                skip = _skip_sql([r.rid for r in file_rows])
                selective = bool(where) and self._few_candidates(c, where, params)
                total = self._count(c, q, where + skip, params, selective) + len(file_rows)
                out: list[tuple[Any, int, float | None]] = []
                for score, e, t, fl in tiers:
                    if len(out) >= need:
                        break
                    if cursor is not None and score > cursor.score:
                        continue
                    title = ""
                    if title_types:
                        title = (
                            f" AND {_in_types('tt', title_types)}" if t else
                            f" AND (d.document_type IS NULL OR NOT {_in_types('tt', title_types)})"
                        )
                    after = cursor if cursor is not None and score == cursor.score else None
                    rows = self._tier_rows(c, q, (e, fl, diacritics), where + title + skip,
                                           params, selective, after, need - len(out))
                    out.extend((r, score, r.rank) for r in rows)
            return file_rows, total, out

        file_rows, total, rows = db_retry(run, what="search")
        ranked = [(r, FILE_TIER, None) for r in file_rows] if cursor is None else []
        ranked += [(r, s, None if k is None else float(k)) for r, s, k in rows]
        ranked = ranked[offset : offset + limit + 1]
        more = len(ranked) > limit
        ranked = ranked[:limit]
        nxt = None
        if more and ranked:
            last = ranked[-1]
            # after a file-name hit, the next page starts at the top of the ranked list
            nxt = (Cursor(FILE_TIER + 1, None, 0) if last[1] == FILE_TIER
                   else Cursor(last[1], last[2], last[0].rid))
            nxt = nxt.encode()
        hits = self._hits([(r, s) for r, s, _ in ranked], q)
        return SearchPage(hits, min(total, COUNT_LIMIT), nxt, total_capped=total > COUNT_LIMIT)

    PROBE_LIMIT = 300  # filters leaving at most this many documents: check those only

    def _few_candidates(self, conn: Connection, where: str, params: dict[str, Any]) -> bool:
        n = conn.execute(
            text(
                f"SELECT count(*) FROM (SELECT 1 FROM search_docs d WHERE 1=1{where} "
                f"LIMIT {self.PROBE_LIMIT + 1}) x"
            ),
            params,
        ).scalar_one()
        return n <= self.PROBE_LIMIT

    def _tier_rows(self, conn, q, flags, where, params, selective, after, n) -> list[Any]:
        """The next ``n`` rows of one tier (``flags`` = exact, field, typed with diacritics):
        ranked (rank, then row id) when the tier holds at most RANK_LIMIT documents, else
        newest first (rank None), which stops early however common the words are."""
        base, p = self._tier_base(q, flags, where, selective)
        p = {**params, **p}
        size = self._probe(conn, base, p)
        if size == 0:
            return []
        p["n"] = n
        if size <= RANK_LIMIT and not selective:
            keyset = ""
            if after is not None and after.rank is not None:
                keyset = " WHERE rank < :c_r OR (rank = :c_r AND rid < :c_i)"
                p |= {"c_r": after.rank, "c_i": after.rid}
            elif after is not None:
                keyset = " WHERE rid < :c_i"
                p["c_i"] = after.rid
            sql = (
                f"SELECT * FROM (SELECT {_SELECT_COLS}, d.id AS rid, {self._rank_sql()} AS rank "
                f"{base}) r{keyset} ORDER BY rank DESC, rid DESC LIMIT :n"
            )
            return conn.execute(text(sql), p).all()
        keyset = ""
        if after is not None:
            keyset, p["c_i"] = " AND d.id < :c_i", after.rid
        return self._newest_rows(conn, base + keyset, p, dense=size > RANK_LIMIT)

    def _probe(self, conn, base: str, p: dict[str, Any]) -> int:
        return conn.execute(
            text(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {RANK_LIMIT + 1}) x"), p
        ).scalar_one()

    def _newest_rows(self, conn, base: str, p: dict[str, Any], dense: bool) -> list[Any]:
        sql = f"SELECT {_SELECT_COLS}, d.id AS rid, NULL AS rank {base} ORDER BY d.id DESC LIMIT :n"
        return conn.execute(text(sql), p).all()

    def _count(self, conn, q: Query, where: str, params: dict[str, Any], selective: bool) -> int:
        """Every match, counted up to COUNT_LIMIT + 1."""
        base, p = self._tier_base(q, None, where, selective)
        return conn.execute(
            text(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {COUNT_LIMIT + 1}) x"),
            {**params, **p},
        ).scalar_one()

    @abc.abstractmethod
    def _tier_base(self, q: Query, flags, where: str, selective: bool):
        """(``FROM … WHERE …`` of the documents of one tier — ``flags`` = (exact, field,
        typed with diacritics), None for every match — and its parameters)."""

    @abc.abstractmethod
    def _rank_sql(self) -> str:
        """The database's relevance of a row of ``_tier_base`` (higher is better)."""

    def _newest(self, where, params, limit, offset, cursor) -> SearchPage:
        """Filters only: newest indexed first."""

        def run():
            with self.engine.connect() as c:
                total = c.execute(
                    text(f"SELECT count(*) FROM search_docs d WHERE 1=1{where}"), params
                ).scalar_one()
                extra, p = "", dict(params)
                if cursor is not None:
                    extra, p["c_i"] = " AND d.id < :c_i", cursor.rid
                rows = c.execute(
                    text(
                        f"SELECT {_SELECT_COLS}, d.id AS rid FROM search_docs d WHERE 1=1"
                        f"{where}{extra} ORDER BY d.id DESC LIMIT :n OFFSET :o"
                    ),
                    {**p, "n": limit + 1, "o": offset},
                ).all()
            return total, rows

        total, rows = db_retry(run, what="search")
        nxt = Cursor(0, 0.0, rows[limit - 1].rid).encode() if len(rows) > limit else None
        return SearchPage(self._hits([(r, 0) for r in rows[:limit]], Query()), total, nxt)

    def _hits(self, rows: list[tuple[Any, int]], q: Query) -> list[Hit]:
        extra = self._document_details([r.document_id for r, _ in rows])
        hits = []
        for r, score in rows:
            plain, rich = (
                make_snippet((r.fields_text + "\n" + r.body_text).strip(), q) if q else ("", "")
            )
            file_name, own_date = extra.get(r.document_id, (None, None))
            hits.append(
                Hit(
                    document_id=r.document_id,
                    document_type=r.document_type,
                    branch=r.branch,
                    dossier_code=r.dossier_code,
                    date=r.doc_date,
                    score=float(score),
                    snippet=plain,
                    snippet_html=rich,
                    archive_key=r.archive_key,
                    file_name=file_name,
                    document_date=own_date,
                )
            )
        return hits

    def _document_details(self, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """{document id: (file name, the document's own date)} from the archive tables."""
        if not ids:
            return {}
        with self.engine.connect() as c:
            names = dict(
                c.execute(
                    text("SELECT id, file_name FROM documents WHERE id IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": ids},
                ).all()
            )
            dates: dict[str, str] = {}
            for doc, fid, value, corrected, state in c.execute(
                text(
                    "SELECT document_id, field_id, value, corrected_value, review_state FROM "
                    "fields WHERE document_id IN :ids AND field_id IN :f"
                ).bindparams(bindparam("ids", expanding=True), bindparam("f", expanding=True)),
                {"ids": ids, "f": list(OWN_DATE_FIELDS)},
            ).all():
                v = corrected if state == "corrected" else value
                v = json.loads(v) if isinstance(v, str) and v[:1] in '"[{' else v
                if isinstance(v, str) and v and (
                    doc not in dates or OWN_DATE_FIELDS.index(fid) < dates[doc][0]
                ):
                    dates[doc] = (OWN_DATE_FIELDS.index(fid), v)
        return {i: (names.get(i), dates[i][1] if i in dates else None) for i in ids}


def _type_params(prefix: str, types: Sequence[str]) -> dict[str, str]:
    return {f"{prefix}{i}": t for i, t in enumerate(types)}


def _in_types(prefix: str, types: Sequence[str]) -> str:
    if not types:
        return "0=1"
    return "d.document_type IN (" + ", ".join(f":{prefix}{i}" for i in range(len(types))) + ")"


def _skip_sql(skip: list[int]) -> str:
    return f" AND d.id NOT IN ({', '.join(str(int(i)) for i in skip)})" if skip else ""


def _file_pattern(query: str) -> str | None:
    """A LIKE pattern for a query that looks like a file name (one word with '.', '_' or
    '-', e.g. ``khai-sinh.png``, ``IMG_0042``); None otherwise."""
    s = nfc((query or "").strip().strip('"')).lower()
    if len(s) < 3 or " " in s or not re.search(r"[._-]", s):
        return None
    return "%" + s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
def _joined(s: str) -> tuple[str, str]:
    toks = tokenize(s)
    return " ".join(_fold_token(t) for t in toks), " ".join(toks)


class SqliteSearchIndex(SearchIndex):
    def _fts_values(self, fields_text: str, body_text: str) -> dict[str, str]:
        ff, fe = _joined(fields_text)
        bf, be = _joined(body_text)
        # fields_t: the folded field tokens again, tagged, so that "in a field value" has its
        # own (small) doclists instead of a column check on every document with the word.
        ft = " ".join(FIELD_TAG + t for t in ff.split())
        return {"fields_f": ff, "body_f": bf, "fields_e": fe, "body_e": be, "fields_t": ft}

    def _insert(self, conn, values):
        rowid = conn.execute(
            text(
                "INSERT INTO search_docs (document_id, document_type, branch, dossier_code, "
                "doc_date, archive_key, content_hash, fields_text, body_text) VALUES "
                "(:document_id, :document_type, :branch, :dossier_code, :doc_date, "
                ":archive_key, :content_hash, :fields_text, :body_text) RETURNING id"
            ),
            values,
        ).scalar_one()
        fts = self._fts_values(values["fields_text"], values["body_text"])
        conn.execute(
            text(
                "INSERT INTO search_fts (rowid, fields_f, body_f, fields_e, body_e, fields_t) "
                "VALUES (:rowid, :fields_f, :body_f, :fields_e, :body_e, :fields_t)"
            ),
            {"rowid": rowid, **fts},
        )

    _INSERT_DOC = (
        "INSERT INTO search_docs (document_id, document_type, branch, dossier_code, "
        "doc_date, archive_key, content_hash, fields_text, body_text) VALUES "
        "(:document_id, :document_type, :branch, :dossier_code, :doc_date, "
        ":archive_key, :content_hash, :fields_text, :body_text)"
    )

    def _bulk_insert(self, conn, rows):
        conn.execute(text(self._INSERT_DOC), rows)
        ids = dict(
            conn.execute(
                text(
                    "SELECT document_id, id FROM search_docs WHERE document_id IN :ids"
                ).bindparams(bindparam("ids", expanding=True)),
                {"ids": [r["document_id"] for r in rows]},
            ).all()
        )
        conn.execute(
            text(
                "INSERT INTO search_fts (rowid, fields_f, body_f, fields_e, body_e, fields_t) "
                "VALUES (:rowid, :fields_f, :body_f, :fields_e, :body_e, :fields_t)"
            ),
            [
                {
                    "rowid": ids[r["document_id"]],
                    **self._fts_values(r["fields_text"], r["body_text"]),
                }
                for r in rows
            ],
        )

    def _delete_fts(self, conn, rowid: int, fields_text: str, body_text: str) -> None:
        # Contentless FTS5: a delete must repeat the indexed values (recomputed, deterministic).
        conn.execute(
            text(
                "INSERT INTO search_fts (search_fts, rowid, fields_f, body_f, fields_e, body_e, "
                "fields_t) VALUES ('delete', :rowid, :fields_f, :body_f, :fields_e, :body_e, "
                ":fields_t)"
            ),
            {"rowid": rowid, **self._fts_values(fields_text, body_text)},
        )

    def _update(self, conn, old_row, values):
        self._delete_fts(conn, old_row.id, old_row.fields_text, old_row.body_text)
        conn.execute(
            text(
                "UPDATE search_docs SET document_type=:document_type, branch=:branch, "
                "dossier_code=:dossier_code, doc_date=:doc_date, archive_key=:archive_key, "
                "content_hash=:content_hash, fields_text=:fields_text, body_text=:body_text "
                "WHERE id=:id"
            ),
            {**values, "id": old_row.id},
        )
        conn.execute(
            text(
                "INSERT INTO search_fts (rowid, fields_f, body_f, fields_e, body_e, fields_t) "
                "VALUES (:rowid, :fields_f, :body_f, :fields_e, :body_e, :fields_t)"
            ),
            {"rowid": old_row.id, **self._fts_values(values["fields_text"], values["body_text"])},
        )

    def delete(self, document_id):
        with self.engine.begin() as conn:
            row = conn.execute(
                text("SELECT id, fields_text, body_text FROM search_docs WHERE document_id=:d"),
                {"d": document_id},
            ).first()
            if row is None:
                return False
            self._delete_fts(conn, row.id, row.fields_text, row.body_text)
            conn.execute(text("DELETE FROM search_docs WHERE id=:id"), {"id": row.id})
            return True

    def fts_count(self) -> int:
        """Rows in the FTS index (for idempotency checks)."""
        with self.engine.connect() as c:
            return c.execute(text("SELECT count(*) FROM search_fts_docsize")).scalar_one()

    def _tier_base(self, q, flags, where, selective):
        a = q.fts5("fields_f body_f", folded=True)
        e = q.fts5("fields_e body_e", folded=False)
        fl = q.fts5("fields_t", folded=True, tag=FIELD_TAG)
        pos, neg = [], []
        if flags is None:
            pos.append(a)
        else:
            exact, field, diacritics = flags
            if exact or diacritics:  # typed without diacritics, "exact" means nothing
                (pos if exact else neg).append(e)
            (pos if field else neg).append(fl)
            if not pos:
                pos.append(a)
        p = {f"m{i}": m for i, m in enumerate(pos + neg)}
        if selective:
            # Few documents pass the filters: look each one up in the index (a rowid seek per
            # expression) instead of walking every match of the words.
            def has(i: int) -> str:
                return (
                    f"EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH :m{i} "
                    "AND rowid = d.id)"
                )

            conds = [has(i) for i in range(len(pos))]
            conds += [f"NOT {has(len(pos) + i)}" for i in range(len(neg))]
            return f"FROM search_docs d WHERE 1=1{where} AND {' AND '.join(conds)}", p
        match = " AND ".join(f"({m})" for m in pos) + "".join(f" NOT ({m})" for m in neg)
        if flags is None and not where:  # counting every match: the index alone
            return "FROM search_fts d WHERE search_fts MATCH :m", {"m": match}
        # CROSS JOIN: SQLite keeps the FTS match as the outer loop (with a filter on an
        # indexed column it would otherwise run the match once per filtered row).
        base = (
            "FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid "
            f"WHERE search_fts MATCH :m{where}"
        )
        return base, {"m": match}

    def _rank_sql(self) -> str:
        return f"-bm25(search_fts, {', '.join(str(x) for x in BM25_WEIGHTS)})"

    def _newest_rows(self, conn, base, p, dense):
        # FTS5 walks the match in rowid order, so LIMIT stops it early (no sort, no temp set).
        order = "search_fts.rowid" if "search_fts.rowid" in base else "d.id"
        sql = (
            f"SELECT {_SELECT_COLS}, d.id AS rid, NULL AS rank {base} "
            f"ORDER BY {order} DESC LIMIT :n"
        )
        return conn.execute(text(sql), p).all()


def _tsvector(sections: Sequence[list[str]]) -> str:
    """A tsvector literal from token lists; a gap of 2 positions between sections so a phrase
    never spans two of them (FTS5 columns behave the same)."""
    positions: dict[str, list[int]] = {}
    pos = 0
    for s_i, toks in enumerate(sections):
        if s_i:
            pos += 2
        for t in toks:
            pos += 1
            p = positions.setdefault(t, [])
            if len(p) < PG_MAX_POSITIONS_PER_LEXEME:
                p.append(min(pos, PG_MAX_POS))
    return " ".join(
        f"'{lex}':{','.join(str(x) for x in sorted(set(p)))}" for lex, p in positions.items()
    )


class PostgresSearchIndex(SearchIndex):
    def _tsv(self, fields_text: str, body_text: str) -> dict[str, str]:
        fe, be = tokenize(fields_text), tokenize(body_text)
        ff, bf = [_fold_token(t) for t in fe], [_fold_token(t) for t in be]
        return {
            "tsv_folded": _tsvector([ff, bf]),
            "tsv_exact": _tsvector([fe, be]),
            "tsv_fields": _tsvector([ff]),
        }

    _INSERT = (
        "INSERT INTO search_docs (document_id, document_type, branch, dossier_code, "
        "doc_date, archive_key, content_hash, fields_text, body_text, tsv_folded, "
        "tsv_exact, tsv_fields) VALUES (:document_id, :document_type, :branch, "
        ":dossier_code, :doc_date, :archive_key, :content_hash, :fields_text, "
        ":body_text, CAST(:tsv_folded AS tsvector), CAST(:tsv_exact AS tsvector), "
        "CAST(:tsv_fields AS tsvector)) ON CONFLICT (document_id) DO NOTHING"
    )

    def _insert(self, conn, values):
        self._bulk_insert(conn, [values])

    def _bulk_insert(self, conn, rows):
        conn.execute(
            text(self._INSERT),
            [{**v, **self._tsv(v["fields_text"], v["body_text"])} for v in rows],
        )

    def _update(self, conn, old_row, values):
        conn.execute(
            text(
                "UPDATE search_docs SET document_type=:document_type, branch=:branch, "
                "dossier_code=:dossier_code, doc_date=:doc_date, archive_key=:archive_key, "
                "content_hash=:content_hash, fields_text=:fields_text, body_text=:body_text, "
                "tsv_folded=CAST(:tsv_folded AS tsvector), tsv_exact=CAST(:tsv_exact AS "
                "tsvector), tsv_fields=CAST(:tsv_fields AS tsvector) WHERE id=:id"
            ),
            {**values, "id": old_row.id, **self._tsv(values["fields_text"], values["body_text"])},
        )

    def delete(self, document_id):
        with self.engine.begin() as conn:
            n = conn.execute(
                text("DELETE FROM search_docs WHERE document_id=:d"), {"d": document_id}
            ).rowcount
            return bool(n)

    def _tier_base(self, q, flags, where, selective):
        ex = "d.tsv_exact @@ CAST(:qe AS tsquery)"
        fl = "d.tsv_fields @@ CAST(:qa AS tsquery)"
        al = "d.tsv_folded @@ CAST(:qa AS tsquery)"
        p = {"qa": q.tsquery(folded=True)}
        if flags is None:
            return f"FROM search_docs d WHERE {al}{where}", p
        exact, field, diacritics = flags
        conds = []
        if exact or diacritics:
            conds.append(ex if exact else f"NOT ({ex})")
            p["qe"] = q.tsquery(folded=False)
        conds.append(fl if field else f"NOT ({fl})")
        if not (exact or field):
            conds.insert(0, al)
        return f"FROM search_docs d WHERE {' AND '.join(conds)}{where}", p

    def _rank_sql(self) -> str:
        return (
            "(ts_rank(d.tsv_folded, CAST(:qa AS tsquery)) + "
            "2 * ts_rank(d.tsv_fields, CAST(:qa AS tsquery)))"
        )

    def _probe(self, conn, base, p):
        # The planner's guesses for tsquery selectivity are rough: count with GIN bitmaps
        # (stops at RANK_LIMIT + 1), then steer the fetch (see _newest_rows).
        self._set(conn, bitmap=True, index=False, seq=True)
        try:
            return super()._probe(conn, base, p)
        finally:
            self._set(conn, bitmap=True, index=True, seq=True)

    def _newest_rows(self, conn, base, p, dense):
        # many matches: walk the primary key newest first (stops early); few: bitmap + sort
        if dense:
            self._set(conn, bitmap=False, index=True, seq=False)
        try:
            return super()._newest_rows(conn, base, p, dense)
        finally:
            self._set(conn, bitmap=True, index=True, seq=True)

    @staticmethod
    def _set(conn, *, bitmap: bool, index: bool, seq: bool) -> None:
        conn.execute(
            text(
                f"SET LOCAL enable_bitmapscan = {'on' if bitmap else 'off'}; "
                f"SET LOCAL enable_indexscan = {'on' if index else 'off'}; "
                f"SET LOCAL enable_seqscan = {'on' if seq else 'off'}"
            )
        )
