"""Full-text search over OCR text and extracted field values, Vietnamese diacritic-insensitive.

Text is tokenized and folded here, in Python, for both databases, so that SQLite and
PostgreSQL see exactly the same tokens and give the same hits in the same order:

- tokens: runs of letters/digits of the NFC, lower-cased text (``15/08/2021`` is 3 tokens);
- folded: NFD, combining marks dropped, ``đ→d`` (so ``nguyen`` finds ``NGUYỄN``);
- exact: the lower-cased NFC token (so a query typed with diacritics ranks exact hits first).

Query syntax: words (all must match), ``"a phrase"``, ``prefix*`` (also ``"a phra"*``).
A document is a hit when the *folded* query matches. Its score is a tier:
``1 + 2·[the exact (diacritics-sensitive) query matches] + 1·[the query matches in field
values]``, i.e. 4, 3, 2 or 1. Within a tier, the most recently indexed document comes first
(insertion order, the same in both databases). Each tier is one query that walks the match in
id order and stops after the rows the page needs, so latency does not grow with the number of
hits. Snippets are cut in Python from the stored text.

Storage: SQLite FTS5 (contentless, ``ascii`` tokenizer over our tokens) or PostgreSQL
``tsvector`` columns built from our tokens (no parser, no ``unaccent``) with GIN indexes.
Known difference: PostgreSQL keeps at most 256 positions per word and positions up to 16383,
so a *phrase* deep inside a very long document may be found by SQLite only.
"""

from __future__ import annotations

import abc
import functools
import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

from storage.db import Database, db_retry

_TOKEN_RE = re.compile(r"[^\W_]+")
_QUERY_RE = re.compile(r'"([^"]*)"(\*?)|(\S+)')
MAX_TOKEN_CHARS = 100
MAX_QUERY_TERMS = 16
MIN_PREFIX_CHARS = 2
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


# --------------------------------------------------------------------------- snippets


def make_snippet(doc_text: str, query: Query, width: int = 12) -> tuple[str, str]:
    """A window of ``doc_text`` around the first match, marked as ``[x]`` and ``<mark>x</mark>``."""
    matches = list(_TOKEN_RE.finditer(doc_text))
    if not matches:
        return "", ""
    folded_tokens = [_fold_token(m.group(0).lower()) for m in matches]
    exact_tokens = [m.group(0).lower() for m in matches]
    marked: set[int] = set()
    first_exact: int | None = None
    first_any: int | None = None
    for term in query.terms:
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
                if first_any is None or i < first_any:
                    first_any = i
                if exact and (first_exact is None or i < first_exact):
                    first_exact = i
    center = first_exact if first_exact is not None else (first_any or 0)
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
        """Hits for ``query`` ranked by score tier (4, 3, 2, 1), newest indexed first within a
        tier. Each tier is one query that stops after the rows needed for this page."""
        q = Query.parse(query)
        f = (filters or SearchFilters()).normalized()
        limit = max(0, min(int(limit), 1000))
        offset = max(0, int(offset))
        need = offset + limit
        params: dict[str, Any] = {}
        where = _filter_sql(f, params)

        def run() -> list[tuple[Any, int]]:
            out: list[tuple[Any, int]] = []
            with self.engine.connect() as c:
                if not q:
                    sql = (
                        f"SELECT {_SELECT_COLS} FROM search_docs d WHERE 1=1{where} "
                        "ORDER BY d.id DESC LIMIT :n"
                    )
                    return [(r, 0) for r in c.execute(text(sql), {**params, "n": need})]
                selective = bool(where) and self._few_candidates(c, where, params)
                self._before_tiers(c, q, where, params, selective)
                for score in (4, 3, 2, 1):
                    if len(out) >= need:
                        break
                    rows = self._tier_rows(c, q, score, where, params, selective, need - len(out))
                    out.extend((r, score) for r in rows)
            return out

        rows = db_retry(run, what="search")[offset:need]
        hits = []
        for r, score in rows:
            plain, rich = (
                make_snippet((r.fields_text + "\n" + r.body_text).strip(), q) if q else ("", "")
            )
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
                )
            )
        return hits

    @abc.abstractmethod
    def _tier_sql(
        self, q: Query, score: int, where: str, selective: bool
    ) -> tuple[str, dict[str, Any]]:
        """SQL (with ``:n`` as the row limit) selecting the documents of one score tier.
        ``selective``: the filters alone leave few candidates (check those, not the matches)."""

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

    def _before_tiers(
        self, conn: Connection, q: Query, where: str, params: dict[str, Any], selective: bool
    ) -> None:
        """Hook run once per search before the tier queries."""
        return None

    def _tier_rows(self, conn, q, score, where, params, selective, n) -> list[Any]:
        sql, p = self._tier_sql(q, score, where, selective)
        return conn.execute(text(sql), {**params, **p, "n": n}).all()


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

    def _tier_sql(self, q, score, where, selective):
        a = q.fts5("fields_f body_f", folded=True)
        e = q.fts5("fields_e body_e", folded=False)
        fl = q.fts5("fields_t", folded=True, tag=FIELD_TAG)
        match = {
            4: f"({e}) AND ({fl})",
            3: f"({e}) NOT ({fl})",
            2: f"({fl}) NOT ({e})",
            1: f"({a}) NOT ({e}) NOT ({fl})",
        }[score]
        if selective:
            # Few documents pass the filters: look each one up in the index (a rowid seek per
            # positive expression; FTS5 evaluates NOT without the seek, so keep NOT outside).
            def has(m: str) -> str:
                return (
                    "EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH "
                    f":{m} AND rowid = d.id)"
                )

            cond = {
                4: f"{has('m_e')} AND {has('m_f')}",
                3: f"{has('m_e')} AND NOT {has('m_f')}",
                2: f"{has('m_f')} AND NOT {has('m_e')}",
                1: f"{has('m_a')} AND NOT {has('m_e')} AND NOT {has('m_f')}",
            }[score]
            sql = (
                f"SELECT {_SELECT_COLS} FROM search_docs d WHERE 1=1{where} AND {cond} "
                "ORDER BY d.id DESC LIMIT :n"
            )
            return sql, {"m_a": a, "m_e": e, "m_f": fl}
        # FTS5 walks the match in rowid order, so LIMIT stops it early (no sort, no temp set).
        sql = (
            f"SELECT {_SELECT_COLS} FROM search_fts JOIN search_docs d "
            f"ON d.id = search_fts.rowid WHERE search_fts MATCH :m{where} "
            "ORDER BY search_fts.rowid DESC LIMIT :n"
        )
        return sql, {"m": match}


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

    DENSE = 2000  # at least this many matches: walk the primary key newest-first instead

    def _tier_rows(self, conn, q, score, where, params, selective, n):
        sql, p = self._tier_sql(q, score, where, selective)
        p = {**params, **p}
        if not selective:
            # The planner's guesses for tsquery selectivity are rough: with ORDER BY id LIMIT n
            # it may walk the whole table for a tier that is empty. Count first (GIN bitmaps,
            # stops at DENSE), then steer: few rows -> bitmap + sort; many -> newest-first scan.
            cond = sql.split(" WHERE ", 1)[1].rsplit(" ORDER BY ", 1)[0]
            self._set(conn, bitmap=True, index=False, seq=True)
            found = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT 1 FROM search_docs d WHERE "
                    f"{cond} LIMIT {self.DENSE}) x"
                ),
                p,
            ).scalar_one()
            if found == 0:
                return []
            if found >= self.DENSE:
                self._set(conn, bitmap=False, index=True, seq=False)
        rows = conn.execute(text(sql), {**p, "n": n}).all()
        if not selective:
            self._set(conn, bitmap=True, index=True, seq=True)
        return rows

    @staticmethod
    def _set(conn, *, bitmap: bool, index: bool, seq: bool) -> None:
        conn.execute(
            text(
                f"SET LOCAL enable_bitmapscan = {'on' if bitmap else 'off'}; "
                f"SET LOCAL enable_indexscan = {'on' if index else 'off'}; "
                f"SET LOCAL enable_seqscan = {'on' if seq else 'off'}"
            )
        )

    def _tier_sql(self, q, score, where, selective):
        ex = "d.tsv_exact @@ CAST(:qe AS tsquery)"
        fl = "d.tsv_fields @@ CAST(:qa AS tsquery)"
        al = "d.tsv_folded @@ CAST(:qa AS tsquery)"
        cond = {
            4: f"{ex} AND {fl}",
            3: f"{ex} AND NOT ({fl})",
            2: f"{fl} AND NOT ({ex})",
            1: f"{al} AND NOT ({ex}) AND NOT ({fl})",
        }[score]
        sql = (
            f"SELECT {_SELECT_COLS} FROM search_docs d WHERE {cond}{where} "
            "ORDER BY d.id DESC LIMIT :n"
        )
        return sql, {"qa": q.tsquery(folded=True), "qe": q.tsquery(folded=False)}
