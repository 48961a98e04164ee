"""The search index's write side: prepared text per paper, refreshed in the writer's transaction.

One search document per arXiv id: the newest stored version's title, authors and abstract, plus
the text and keywords of every good summary of it (any model, prompt or language). The store's
write path calls `index_papers` (`upsert_papers`, `record_announcement`) and `index_summaries`
(`put_summaries`) in the same transaction that stores the paper or summary, so the index is never
stale and needs no rebuild. Both build the documents from the rows being written (issue 15: re-reading
them cost ~1 s per 10,000 papers) and leave an unchanged document alone.

CJK text is indexed as overlapping character bigrams (the approach of Lucene's CJKAnalyzer):
neither FTS5's `unicode61` tokenizer nor PostgreSQL's default parser splits 大语言模型蒸馏 into
words, and bigrams — unlike FTS5's `trigram` tokenizer, which needs three characters — also find
the two-character words most Chinese queries are made of (蒸馏, 模型) through the index, with no
table scan. Both backends get the same prepared text. See docs/search.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from paperbrief.models import SummaryStatus
from paperbrief.store.base import chunks, execute_many

# Han (CJK unified ideographs and extensions), kana and hangul: scripts written without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"
_CJK_RUN_RE = re.compile(f"[{_CJK}]+")
# A query is words and "quoted phrases"; anything else in it is plain text, never FTS syntax.
_QUERY_TOKEN_RE = re.compile(r'"([^"]*)"|(\S+)')
_WORDISH_RE = re.compile(r"\w", re.UNICODE)
GOOD_STATUSES = (str(SummaryStatus.OK), str(SummaryStatus.EXTRACTIVE))
# Tables of the index (derived data: rebuilt from papers and summaries by m009).
SEARCH_TABLES = ("search_docs", "search_fts")


def split_cjk(text: str, *, trailing: bool = True) -> str:
    """`text` with every CJK run written as space-separated overlapping bigrams.

    A document (`trailing=True`) also gets the run's last character alone, so a one-character
    query (a prefix query) finds it; a query (`trailing=False`) gets the bigrams only, matched
    as a phrase.
    """

    def expand(match: re.Match[str]) -> str:
        run = match.group(0)
        if len(run) == 1:
            return f" {run} "
        grams = [run[i : i + 2] for i in range(len(run) - 1)]
        if trailing:
            grams.append(run[-1])
        return " " + " ".join(grams) + " "

    if text.isascii():  # most titles and abstracts: skip the regex
        return text
    return _CJK_RUN_RE.sub(expand, text)


def parse_terms(query: str) -> list[str]:
    """The terms of a query: its words and "quoted phrases"; every term must match."""
    terms = []
    for match in _QUERY_TOKEN_RE.finditer(query):
        term = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        if _WORDISH_RE.search(term):
            terms.append(term)
    return terms


def _single_cjk(term: str) -> bool:
    return len(term) == 1 and _CJK_RUN_RE.fullmatch(term) is not None


def fts5_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression: each term a quoted phrase (no user text is FTS syntax)."""
    parts = []
    for term in terms:
        if _single_cjk(term):
            parts.append(f'"{term}"*')  # the bigrams starting with it and a run's last character
            continue
        parts.append('"' + split_cjk(term, trailing=False).replace('"', '""') + '"')
    return " AND ".join(parts)


def pg_query(terms: Sequence[str]) -> tuple[str, dict[str, str]]:
    """A tsquery expression (SQL) and its parameters: phrases ANDed, a single CJK character as a prefix."""
    parts, params = [], {}
    for index, term in enumerate(terms):
        key = f"t{index}"
        if _single_cjk(term):
            parts.append(f"to_tsquery('simple', :{key})")
            params[key] = f"{term}:*"
        else:
            parts.append(f"phraseto_tsquery('english', :{key})")
            params[key] = split_cjk(term, trailing=False)
    return " && ".join(parts), params


def _document(paper: Mapping[str, Any], summaries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The prepared text of one paper's search document, field by field."""
    categories = _json_list(paper.get("categories"))
    return {
        "arxiv_id": paper["arxiv_id"],
        "version": int(paper["version"]),
        "categories": " " + " ".join(c.lower() for c in categories) + " ",
        "title": split_cjk(paper.get("title") or ""),
        "authors": split_cjk(", ".join(_json_list(paper.get("authors")))),
        "abstract": split_cjk(paper.get("abstract") or ""),
        **_summary_fields(summaries),
    }


def _summary_fields(summaries: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The document's `summary` and `keywords` text from a paper's good summaries (in index order)."""
    texts = [s.get(k) or "" for s in summaries for k in ("tldr", "motivation", "method", "conclusion")]
    keywords = [k for s in summaries for k in _json_list(s.get("keywords"))]
    return {"summary": split_cjk("\n".join(t for t in texts if t)), "keywords": split_cjk(", ".join(keywords))}


def _json_list(value: Any) -> list[str]:
    # SQLAlchemy's JSON type decodes lists; raw SQL on SQLite hands back the JSON text.
    if isinstance(value, str):
        value = json.loads(value) if value.startswith("[") else [value]
    return [str(v) for v in value or []]


def refresh_search_documents(conn: Connection, arxiv_ids: Iterable[str]) -> None:
    """Rebuild the search documents of `arxiv_ids` from the stored rows, inside the caller's transaction."""
    ids = sorted(set(arxiv_ids))
    for chunk in chunks(ids, 500):
        _refresh_chunk(conn, list(chunk))


def index_papers(conn: Connection, rows: Sequence[Mapping[str, Any]], *, set_days: bool = True) -> None:
    """Write the documents of papers just upserted (`rows`, as written), inside the caller's transaction.

    The documents are built from the rows being written instead of re-reading them; only the
    newest stored version of each id and that version's good summaries are looked up. A document
    whose text did not change is not rewritten. `set_days=False` when the caller sets the days of
    all these papers itself (`record_announcement`).
    """
    newest: dict[str, Mapping[str, Any]] = {}
    for row in rows:  # the last of equal versions wins, as in the upsert
        seen = newest.get(row["arxiv_id"])
        if seen is None or seen["version"] <= row["version"]:
            newest[row["arxiv_id"]] = row
    for chunk in chunks(sorted(newest), 500):
        stored = _stored_versions(conn, list(chunk))
        # An older version written while a newer one is stored: that newer one's document stays (rare path).
        older = [i for i in chunk if stored.get(i) != newest[i]["version"]]
        if older:
            _refresh_chunk(conn, older)
        fresh = {i: int(newest[i]["version"]) for i in chunk if stored.get(i) == newest[i]["version"]}
        by_paper = _good_summary_rows(conn, fresh)
        _write_docs(conn, [_document(newest[i], by_paper.get(i, [])) for i in fresh], set_days=set_days)


def index_summaries(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Update the documents of papers whose good summaries were just written, inside the caller's transaction.

    Only a summary of the version a document holds changes it. On SQLite just the document's
    summary and keywords columns are rewritten (title, authors and abstract are already there),
    from the rows written; other stored summaries of the paper are read only when there are some.
    On PostgreSQL the weighted `tsvector` is rebuilt whole.
    """
    written: dict[tuple[str, int], dict[tuple[str, str, str], Mapping[str, Any]]] = {}
    for row in rows:  # the last of equal keys wins, as in the upsert
        scope = (row["language"], row["model"], row["prompt_version"])
        written.setdefault((str(row["arxiv_id"]), int(row["version"])), {})[scope] = row
    if conn.dialect.name == "postgresql":
        refresh_search_documents(conn, [i for i, _ in written])
        return
    select_docs = sa.text("SELECT doc_id, arxiv_id, version FROM search_docs WHERE arxiv_id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    update = sa.text("UPDATE search_fts SET summary = :summary, keywords = :keywords WHERE rowid = :doc_id")
    for chunk in chunks(sorted({i for i, _ in written}), 500):
        docs = {r.arxiv_id: (r.doc_id, r.version) for r in conn.execute(select_docs, {"ids": list(chunk)})}
        hit = {i: version for i, (_, version) in docs.items() if (i, version) in written}
        stored = _good_summary_scopes(conn, hit)
        # A paper with a good summary not written now (another model or language) is read back whole.
        others = {i: v for i, v in hit.items() if any(k not in written[(i, v)] for k in stored.get(i, []))}
        by_paper = _good_summary_rows(conn, others)
        changes = []
        for i in sorted(hit):
            mine = written[(i, hit[i])]
            summaries = by_paper[i] if i in others else [mine[k] for k in stored.get(i, [])]
            changes.append({"doc_id": docs[i][0], **_summary_fields(summaries)})
        if changes:
            execute_many(conn, update, changes)


def set_search_days(conn: Connection, arxiv_ids: Iterable[str]) -> None:
    """Set the day of `arxiv_ids`' documents: first digest day, else first announcement day.

    Called where announcements and digests are written, in their transaction: the date filters then
    read one column instead of looking the day up for every match.
    """
    update = sa.text(
        "UPDATE search_docs SET day = coalesce("
        "(SELECT min(dp.date) FROM digest_papers dp WHERE dp.arxiv_id = search_docs.arxiv_id),"
        " (SELECT min(a.date) FROM announcements a WHERE a.arxiv_id = search_docs.arxiv_id))"
        " WHERE arxiv_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for chunk in chunks(sorted(set(arxiv_ids)), 500):
        conn.execute(update, {"ids": list(chunk)})


def build_search_index(conn: Connection) -> None:
    """Index every stored paper (m009's data step; also repairs an index by hand)."""
    ids = list(conn.execute(sa.text("SELECT DISTINCT arxiv_id FROM papers")).scalars())
    refresh_search_documents(conn, ids)
    set_search_days(conn, ids)


def _stored_versions(conn: Connection, ids: list[str]) -> dict[str, int]:
    """The newest stored version of each id."""
    query = sa.text(
        "SELECT arxiv_id, max(version) AS version FROM papers WHERE arxiv_id IN :ids GROUP BY arxiv_id"
    ).bindparams(sa.bindparam("ids", expanding=True))
    return {r.arxiv_id: int(r.version) for r in conn.execute(query, {"ids": ids})}


def _good_summaries(conn: Connection, versions: Mapping[str, int], columns: str) -> Iterator[RowMapping]:
    """`columns` of the good summaries of each id's given version, in index order (language, model, prompt version)."""
    if not versions:
        return
    query = sa.text(
        f"SELECT arxiv_id, version, {columns} FROM summaries"  # `columns`: the constants of the two callers below
        " WHERE arxiv_id IN :ids AND status IN :good ORDER BY arxiv_id, language, model, prompt_version"
    ).bindparams(sa.bindparam("ids", expanding=True), sa.bindparam("good", expanding=True))
    for row in conn.execute(query, {"ids": list(versions), "good": list(GOOD_STATUSES)}).mappings():
        if versions.get(row["arxiv_id"]) == row["version"]:
            yield row


def _good_summary_scopes(conn: Connection, versions: Mapping[str, int]) -> dict[str, list[tuple[str, str, str]]]:
    """The (language, model, prompt version) of each id's good summaries of the given version, in index order."""
    scopes: dict[str, list[tuple[str, str, str]]] = {}
    for row in _good_summaries(conn, versions, "language, model, prompt_version"):
        scopes.setdefault(row["arxiv_id"], []).append((row["language"], row["model"], row["prompt_version"]))
    return scopes


def _good_summary_rows(conn: Connection, versions: Mapping[str, int]) -> dict[str, list[dict[str, Any]]]:
    """The good summaries of each id's given version, in index order (language, model, prompt version)."""
    by_paper: dict[str, list[dict[str, Any]]] = {}
    for row in _good_summaries(conn, versions, "tldr, motivation, method, conclusion, keywords"):
        by_paper.setdefault(row["arxiv_id"], []).append(dict(row))
    return by_paper


def _refresh_chunk(conn: Connection, ids: list[str]) -> None:
    newest: dict[str, dict[str, Any]] = {}
    papers_sql = sa.text(
        "SELECT arxiv_id, version, title, authors, abstract, categories FROM papers WHERE arxiv_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for row in conn.execute(papers_sql, {"ids": ids}).mappings():
        if row["arxiv_id"] not in newest or newest[row["arxiv_id"]]["version"] < row["version"]:
            newest[row["arxiv_id"]] = dict(row)
    by_paper = _good_summary_rows(conn, {i: int(p["version"]) for i, p in newest.items()})
    _write_docs(conn, [_document(paper, by_paper.get(i, [])) for i, paper in newest.items()], set_days=True)


def _write_docs(conn: Connection, docs: list[dict[str, Any]], *, set_days: bool) -> None:
    """Insert or replace documents; `set_days`: look up the day of the new ones."""
    if not docs:
        return
    select_docs = sa.text(
        "SELECT arxiv_id, doc_id, version, categories FROM search_docs WHERE arxiv_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    existing = {r.arxiv_id: r for r in conn.execute(select_docs, {"ids": [d["arxiv_id"] for d in docs]})}
    new = [d for d in docs if d["arxiv_id"] not in existing]
    if conn.dialect.name == "postgresql":
        _write_pg(conn, docs)
    else:
        _write_fts5(conn, docs, existing, new)
    if set_days and new:
        # The day of a document already stored does not change here: it follows announcements and digests.
        set_search_days(conn, [d["arxiv_id"] for d in new])


_FTS_COLUMNS = ("title", "authors", "abstract", "summary", "keywords")


def _write_fts5(
    conn: Connection, docs: list[dict[str, Any]], existing: Mapping[str, Any], new: list[dict[str, Any]]
) -> None:
    """Update the stored documents among `docs` that changed and insert the `new` ones (no row in `existing`)."""
    old = [{**d, "doc_id": existing[d["arxiv_id"]].doc_id} for d in docs if d["arxiv_id"] in existing]
    moved = [d for d in old if _moved(d, existing[d["arxiv_id"]])]
    if moved:
        execute_many(
            conn,
            sa.text("UPDATE search_docs SET version = :version, categories = :categories WHERE doc_id = :doc_id"),
            moved,
        )
    changed = _changed_text(conn, old)
    if changed:  # FTS5 replaces a row's terms whole: an unchanged document is left alone
        execute_many(
            conn,
            sa.text(
                "UPDATE search_fts SET title = :title, authors = :authors, abstract = :abstract,"
                " summary = :summary, keywords = :keywords WHERE rowid = :doc_id"
            ),
            changed,
        )
    if not new:
        return
    next_id = int(conn.execute(sa.text("SELECT coalesce(max(doc_id), 0) FROM search_docs")).scalar_one()) + 1
    rows = [{**d, "doc_id": next_id + n} for n, d in enumerate(new)]
    execute_many(
        conn,
        sa.text(
            "INSERT INTO search_docs (doc_id, arxiv_id, version, categories)"
            " VALUES (:doc_id, :arxiv_id, :version, :categories)"
        ),
        rows,
    )
    execute_many(
        conn,
        sa.text(
            "INSERT INTO search_fts (rowid, title, authors, abstract, summary, keywords)"
            " VALUES (:doc_id, :title, :authors, :abstract, :summary, :keywords)"
        ),
        rows,
    )


def _moved(doc: Mapping[str, Any], row: Any) -> bool:
    """Whether a document's version or categories differ from its `search_docs` row."""
    return bool(doc["version"] != row.version or doc["categories"] != row.categories)


def _changed_text(conn: Connection, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents (with their `doc_id`) whose text differs from what the FTS5 table holds."""
    if not docs:
        return []
    query = sa.text(
        "SELECT rowid AS doc_id, title, authors, abstract, summary, keywords FROM search_fts WHERE rowid IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    stored = {r.doc_id: tuple(r)[1:] for r in conn.execute(query, {"ids": [d["doc_id"] for d in docs]})}
    return [d for d in docs if stored.get(d["doc_id"]) != tuple(d[c] for c in _FTS_COLUMNS)]


def _write_pg(conn: Connection, docs: list[dict[str, Any]]) -> None:
    # An unchanged document is not rewritten (no new row version, no GIN update).
    conn.execute(
        sa.text(
            "INSERT INTO search_docs AS d (arxiv_id, version, categories, document) VALUES (:arxiv_id, :version,"
            " :categories, setweight(to_tsvector('english', :title), 'A')"
            " || setweight(to_tsvector('english', :keywords || ' ' || :authors), 'B')"
            " || setweight(to_tsvector('english', :summary), 'C')"
            " || setweight(to_tsvector('english', :abstract), 'D'))"
            " ON CONFLICT (arxiv_id) DO UPDATE SET version = excluded.version,"
            " categories = excluded.categories, document = excluded.document"
            " WHERE (d.version, d.categories, d.document)"
            " IS DISTINCT FROM (excluded.version, excluded.categories, excluded.document)"
        ),
        docs,
    )
