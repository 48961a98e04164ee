"""Claims on papers to summarize, so that processes sharing a store never pay twice for one paper.

A claim row per (paper version, model, prompt version, language) names the run summarizing it and
a lease. `claim_summaries` takes the keys nobody alive holds and that have no good cached summary:
on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED` (a second worker skips rows being claimed
instead of waiting for them); on SQLite inside `BEGIN IMMEDIATE` (claims are serialized by the
database's write lock). A good summary ends its claim (`put_summaries`); a finished or abandoned
run releases the rest. See docs/scale.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperbrief.models import Summary
from paperbrief.store.base import StoreBase, as_utc, chunks, execute_many, now
from paperbrief.store.rows import ClaimRow
from paperbrief.store.schema import released_claims, summaries, summary_claims
from paperbrief.store.summaries import GOOD_STATUSES, SummariesStore

Key = tuple[str, int]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ClaimsStore(SummariesStore, StoreBase):
    """`claim_summaries`, `release_claims`, `wait_for_summaries` and `list_claims`."""

    def claim_summaries(
        self,
        run_id: int,
        keys: Sequence[Key],
        *,
        model: str,
        prompt_version: str,
        language: str,
        lease_seconds: float | None = None,
        limit: int | None = None,
    ) -> list[Key]:
        """Claim (id, version) keys for `run_id` under one cache key; returns the keys claimed now.

        A key is claimed when no live run holds it (or `run_id` already does, which renews the
        lease) and it has no good cached summary. Keys not returned are someone else's: wait for
        them with `wait_for_summaries`. The lease defaults to the store's run lease; `limit` takes
        at most that many (the first free ones in key order), so workers can take batches.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return []
        scope = {"model": model, "prompt_version": prompt_version, "language": language}
        lease = dt.timedelta(seconds=lease_seconds) if lease_seconds is not None else self.lease
        # 1. Make sure a claim row exists for every key. PostgreSQL: in its own short transaction, so
        #    that the row locks of step 2 are the only thing two workers contend on, and no write when
        #    all exist. SQLite: inside step 2's transaction, which holds the write lock anyway.
        postgres = self.dialect == "postgresql"
        if postgres:
            missing = self._missing_claim_rows(wanted, scope)
            if missing:
                with self.transaction() as conn:
                    _insert_claim_rows(conn, missing, scope)
        # 2. Take the free ones.
        claimed: list[Key] = []
        with self.transaction() as conn:
            if not postgres:
                _insert_claim_rows(conn, wanted, scope)
            moment = now()
            for chunk in chunks(wanted, 300):
                room = None if limit is None else limit - len(claimed)
                if room is not None and room <= 0:
                    break
                free = self._free_keys(conn, run_id, list(chunk), scope, moment, room)
                if not free:
                    continue
                conn.execute(
                    summary_claims.update()
                    .where(_scope(scope), sa.tuple_(summary_claims.c.arxiv_id, summary_claims.c.version).in_(free))
                    .values(run_id=run_id, lease_until=moment + lease, claimed=moment)
                )
                claimed.extend(free)
        return sorted(claimed)

    def _missing_claim_rows(self, keys: list[Key], scope: dict[str, str]) -> list[Key]:
        pair = sa.tuple_(summary_claims.c.arxiv_id, summary_claims.c.version)
        existing: set[Key] = set()
        with self.reading() as conn:
            for chunk in chunks(keys, 300):
                query = sa.select(summary_claims.c.arxiv_id, summary_claims.c.version).where(
                    _scope(scope), pair.in_(list(chunk))
                )
                existing.update((r.arxiv_id, r.version) for r in conn.execute(query))
        return [k for k in keys if k not in existing]

    def _free_keys(
        self,
        conn: Connection,
        run_id: int,
        keys: list[Key],
        scope: dict[str, str],
        moment: dt.datetime,
        limit: int | None,
    ) -> list[Key]:
        claims = summary_claims.c
        cached = (
            sa.select(summaries.c.arxiv_id)
            .where(
                summaries.c.arxiv_id == claims.arxiv_id,
                summaries.c.version == claims.version,
                summaries.c.model == claims.model,
                summaries.c.prompt_version == claims.prompt_version,
                summaries.c.language == claims.language,
                summaries.c.status.in_([str(s) for s in GOOD_STATUSES]),
            )
            .exists()
        )
        query = (
            sa.select(claims.arxiv_id, claims.version)
            .where(
                _scope(scope),
                sa.tuple_(claims.arxiv_id, claims.version).in_(keys),
                sa.or_(claims.run_id.is_(None), claims.run_id == run_id, claims.lease_until < moment),
                ~cached,
            )
            .order_by(claims.arxiv_id, claims.version)
            .limit(limit)
        )
        if conn.dialect.name == "postgresql":
            # Rows another worker is claiming right now are skipped, not waited for.
            query = query.with_for_update(skip_locked=True, of=summary_claims)
        return [(r.arxiv_id, r.version) for r in conn.execute(query)]

    def release_claims(self, run_id: int, keys: Sequence[Key] | None = None) -> int:
        """Give up `run_id`'s claims (all, or only `keys` under any cache key); returns how many."""
        with self.transaction() as conn:
            query = released_claims().where(summary_claims.c.run_id == run_id)
            if keys is None:
                return int(conn.execute(query).rowcount)
            released = 0
            for chunk in chunks(sorted(set(keys)), 300):
                pair = sa.tuple_(summary_claims.c.arxiv_id, summary_claims.c.version)
                released += int(conn.execute(query.where(pair.in_(list(chunk)))).rowcount)
            return released

    def wait_for_summaries(
        self,
        keys: Sequence[Key],
        *,
        model: str,
        prompt_version: str,
        language: str,
        timeout: float,
        poll_seconds: float = 0.5,
    ) -> dict[Key, Summary]:
        """Wait until each key has a good summary or no live claim, at most `timeout` seconds.

        Returns the good summaries found. A key missing from the result was given up by its
        claimer (failed, released, lease expired) or the timeout passed: claim it and summarize it.
        """
        deadline = time.monotonic() + timeout
        wanted = sorted(set(keys))
        scope = {"model": model, "prompt_version": prompt_version, "language": language}
        rest = wanted
        while True:
            # Claims first, answers second: an answer and the end of its claim commit together,
            # so a key found neither answered nor (a moment earlier) held was truly given up.
            held = self._held(rest, scope)
            found = self.get_summaries(wanted, model=model, prompt_version=prompt_version, language=language)
            rest = [k for k in wanted if k not in found]
            if not rest or time.monotonic() >= deadline or not held.intersection(rest):
                return found
            time.sleep(max(0.0, min(poll_seconds, deadline - time.monotonic())))

    def _held(self, keys: list[Key], scope: dict[str, str]) -> set[Key]:
        """The keys a live run holds a claim on."""
        moment = now()
        held: set[Key] = set()
        with self.reading() as conn:
            for chunk in chunks(keys, 300):
                query = sa.select(summary_claims.c.arxiv_id, summary_claims.c.version).where(
                    _scope(scope),
                    sa.tuple_(summary_claims.c.arxiv_id, summary_claims.c.version).in_(list(chunk)),
                    summary_claims.c.run_id.is_not(None),
                    summary_claims.c.lease_until >= moment,
                )
                held.update((r.arxiv_id, r.version) for r in conn.execute(query))
        return held

    def list_claims(self) -> list[ClaimRow]:
        """Every claim held by a run (expired leases included), oldest paper id first."""
        query = (
            sa.select(summary_claims)
            .where(summary_claims.c.run_id.is_not(None))
            .order_by(summary_claims.c.arxiv_id, summary_claims.c.version)
        )
        with self.reading() as conn:
            return [
                ClaimRow(
                    arxiv_id=r.arxiv_id,
                    version=r.version,
                    model=r.model,
                    prompt_version=r.prompt_version,
                    language=r.language,
                    run_id=r.run_id,
                    lease_until=as_utc(r.lease_until) or _EPOCH,
                )
                for r in conn.execute(query)
            ]


def _scope(scope: dict[str, str]) -> sa.ColumnElement[bool]:
    return sa.and_(
        summary_claims.c.model == scope["model"],
        summary_claims.c.prompt_version == scope["prompt_version"],
        summary_claims.c.language == scope["language"],
    )


def _insert_claim_rows(conn: Connection, keys: Sequence[Key], scope: dict[str, str]) -> None:
    """Free claim rows for `keys` that have none yet (one cached statement, executed for many rows)."""
    insert: sa.Insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        insert = postgresql.insert(summary_claims).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects import sqlite

        insert = sqlite.insert(summary_claims).on_conflict_do_nothing()
    rows = [{"arxiv_id": a, "version": v, **scope, "run_id": None, "lease_until": _EPOCH} for a, v in keys]
    execute_many(conn, insert, rows)  # converts and sends 1,000 rows at a time itself
