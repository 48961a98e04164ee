"""Summaries (the LLM cache) and the log of every LLM call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from paperbrief.models import Summary, SummaryStatus, TextSource
from paperbrief.store.base import StoreBase, as_utc, chunks, clean, clean_strings, now
from paperbrief.store.rows import LLMCallRow
from paperbrief.store.schema import llm_log, released_claims, runs, summaries, summary_claims
from paperbrief.store.search_index import index_summaries

SUMMARY_KEY = ["arxiv_id", "version", "model", "prompt_version", "language"]
GOOD_STATUSES = (SummaryStatus.OK, SummaryStatus.EXTRACTIVE)


class SummariesStore(StoreBase):
    """The summary cache, keyed by paper version, model, prompt version and language; the LLM log."""

    def get_summaries(
        self,
        keys: Sequence[tuple[str, int]],
        *,
        model: str,
        prompt_version: str,
        language: str,
        include_failed: bool = False,
    ) -> dict[tuple[str, int], Summary]:
        """Cached summaries for (id, version) keys under one model, prompt version and language."""
        wanted = set(keys)
        found: dict[tuple[str, int], Summary] = {}
        if not wanted:
            return found
        bare = sorted({i for i, _ in wanted})
        with self.reading() as conn:
            for chunk in chunks(bare, 500):
                query = sa.select(summaries).where(
                    summaries.c.arxiv_id.in_(chunk),
                    summaries.c.model == model,
                    summaries.c.prompt_version == prompt_version,
                    summaries.c.language == language,
                )
                for row in conn.execute(query):
                    key = (row.arxiv_id, row.version)
                    if key not in wanted:
                        continue
                    summary = _summary_from_row(row)
                    if include_failed or summary.status in GOOD_STATUSES:
                        found[key] = summary
        return found

    def put_summary(self, summary: Summary) -> None:
        """Store one summary at once, in its own transaction, so nothing paid for is lost."""
        self.put_summaries([summary])

    def put_summaries(self, items: Sequence[Summary]) -> None:
        """Store summaries atomically. A failure never overwrites a good cached answer.

        A good answer also ends the claim on its paper (other processes waiting for it see it now).
        """
        if items:
            with self.transaction() as conn:
                write_summaries(self, conn, items)

    def count_summaries(self) -> int:
        """How many summaries (of any status) are stored."""
        with self.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(summaries)).scalar_one())

    def log_llm_call(
        self,
        *,
        paper_ids: Sequence[str],
        model: str,
        prompt_version: str,
        prompt: str,
        response: str | None,
        status: str,
        error: str | None = None,
        tokens_in: int = 0,
        tokens_out: int = 0,
        latency_ms: float = 0.0,
        run_id: int | None = None,
    ) -> int:
        """Record one prompt and its response (like `llm logs`); returns the log id.

        A call logged for a run also renews that run's lease: a run that is calling is alive.
        """
        with self.transaction() as conn:
            result = conn.execute(
                llm_log.insert().values(
                    created=now(),
                    run_id=run_id,
                    paper_ids=clean(",".join(paper_ids)),
                    model=clean(model),
                    prompt_version=clean(prompt_version),
                    prompt=clean(prompt),
                    response=clean(response),
                    status=clean(status),
                    error=clean(error),
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    latency_ms=latency_ms,
                )
            )
            if run_id is not None:
                self._renew_lease(conn, run_id)
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def _renew_lease(self, conn: sa.Connection, run_id: int) -> None:
        """Push a run's lease (and its claims') forward by the run's lease length; see `RunsStore`."""
        if conn.execute(sa.select(runs.c.lease_until).where(runs.c.id == run_id)).scalar() is None:
            return  # no such run, or a run from before leases (m005)
        until = now() + self.lease
        conn.execute(runs.update().where(runs.c.id == run_id).values(lease_until=until))
        conn.execute(summary_claims.update().where(summary_claims.c.run_id == run_id).values(lease_until=until))

    def recent_llm_calls(self, limit: int = 10) -> list[LLMCallRow]:
        """The newest LLM log rows, newest first."""
        query = sa.select(llm_log).order_by(llm_log.c.id.desc()).limit(limit)
        with self.reading() as conn:
            return [LLMCallRow(**{**row._asdict(), "created": as_utc(row.created)}) for row in conn.execute(query)]

    def count_llm_calls(self, run_id: int | None = None) -> int:
        """How many LLM calls are logged (for one run, or in all)."""
        query = sa.select(sa.func.count()).select_from(llm_log)
        if run_id is not None:
            query = query.where(llm_log.c.run_id == run_id)
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one())


def _summary_row(summary: Summary, created: dt.datetime) -> dict[str, Any]:
    return {
        "arxiv_id": summary.arxiv_id,
        "version": summary.version,
        "model": clean(summary.model),
        "prompt_version": clean(summary.prompt_version),
        "language": clean(summary.language),
        "backend": clean(summary.backend),
        "tldr": clean(summary.tldr),
        "motivation": clean(summary.motivation),
        "method": clean(summary.method),
        "conclusion": clean(summary.conclusion),
        "keywords": clean_strings(summary.keywords),
        "experiments": clean(summary.experiments),
        "limitations": clean(summary.limitations),
        "text_source": str(summary.text_source) if summary.text_source is not None else None,
        "score": summary.score,
        "score_reason": clean(summary.score_reason),
        "tokens_in": summary.tokens_in,
        "tokens_out": summary.tokens_out,
        "cost": summary.cost,
        "status": str(summary.status),
        "error": clean(summary.error),
        "created": summary.created or created,
        "unsupported_numbers": clean_strings(summary.unsupported_numbers),
    }


def _summary_from_row(row: Any) -> Summary:
    return Summary(
        arxiv_id=row.arxiv_id,
        version=row.version,
        tldr=row.tldr,
        motivation=row.motivation,
        method=row.method,
        conclusion=row.conclusion,
        keywords=list(row.keywords),
        experiments=row.experiments,
        limitations=row.limitations,
        text_source=TextSource(row.text_source) if row.text_source else None,
        score=row.score,
        score_reason=row.score_reason,
        language=row.language,
        backend=row.backend,
        model=row.model,
        prompt_version=row.prompt_version,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
        cost=row.cost,
        status=SummaryStatus(row.status),
        error=row.error,
        created=as_utc(row.created),
        unsupported_numbers=list(row.unsupported_numbers or []),
    )


def write_summaries(store: StoreBase, conn: sa.Connection, items: Sequence[Summary]) -> None:
    """The rule of `put_summaries` inside the caller's transaction (bulk answers use it too).

    A good answer is upserted and ends the claim on its paper; a failure never overwrites a good
    cached answer; the search index is refreshed in the same transaction.
    """
    created = now()  # for summaries without a time of their own: one write, one time
    rows = [_summary_row(s, created) for s in items]
    good = [r for r in rows if r["status"] in GOOD_STATUSES]
    bad = [r for r in rows if r["status"] not in GOOD_STATUSES]  # (`r not in good` compared dicts: quadratic)
    if good:
        store.upsert(conn, summaries, good, SUMMARY_KEY)
        if _claims_held(conn):
            # One statement for the burst (executemany): built per row it cost ~0.4 ms a summary (issue 15).
            release = released_claims().where(*[summary_claims.c[k] == sa.bindparam(f"_{k}") for k in SUMMARY_KEY])
            conn.execute(release, [{f"_{k}": row[k] for k in SUMMARY_KEY} for row in good])
    for row in bad:
        existing = conn.execute(
            sa.select(summaries.c.status).where(*[summaries.c[k] == row[k] for k in SUMMARY_KEY])
        ).scalar()
        if existing in GOOD_STATUSES:
            continue
        store.upsert(conn, summaries, [row], SUMMARY_KEY)
    if good:
        index_summaries(conn, good)  # the search index, same transaction


def _claims_held(conn: sa.Connection) -> bool:
    """Whether any run holds a claim (so a good summary may have one to end).

    Only SQLite answers no: its writer holds the database's write lock, so no claim can appear before
    this transaction ends, and a `run` with a free backend (no claims) skips the release of 10,000 keys.
    """
    if conn.dialect.name != "sqlite":
        return True
    held = sa.select(summary_claims.c.arxiv_id).where(summary_claims.c.run_id.is_not(None)).limit(1)
    return conn.execute(held).first() is not None
