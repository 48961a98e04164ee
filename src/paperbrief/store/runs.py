"""Runs: one row per pipeline run, with a lease so that a killed run is found and marked abandoned."""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperbrief.models import RunStatus
from paperbrief.store.base import StoreBase, as_utc, clean, now
from paperbrief.store.rows import RunRow
from paperbrief.store.schema import released_claims, runs, summary_claims

ABANDONED_ERROR = "abandoned: the process stopped without closing its run (killed?)"


class RunsStore(StoreBase):
    """Open, renew and close runs; runs that died are marked abandoned and their claims released."""

    def start_run(self, date: dt.date, *, source: str, summarizer: str) -> int:
        """Open a run row (with a lease, this host and pid); returns its id.

        Runs that died first are marked abandoned (`reap_abandoned_runs`), so their claims on
        papers are free for this run.
        """
        with self.transaction() as conn:
            self._reap(conn)
            result = conn.execute(
                runs.insert().values(
                    date=date,
                    started=now(),
                    status=str(RunStatus.RUNNING),
                    source=clean(source),
                    summarizer=clean(summarizer),
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    lease_until=now() + self.lease,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def heartbeat(self, run_id: int) -> None:
        """Renew a run's lease and the leases of its claims (call at least once per lease length)."""
        until = now() + self.lease
        with self.transaction() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id, runs.c.status == str(RunStatus.RUNNING))
                .values(lease_until=until)
            )
            conn.execute(summary_claims.update().where(summary_claims.c.run_id == run_id).values(lease_until=until))

    def reap_abandoned_runs(self) -> list[int]:
        """Mark dead runs abandoned and release their claims; returns their ids.

        A run is dead when it is still `running` and either ran on this host under a process id
        that no longer exists, or (any host) its lease has run out.
        """
        with self.transaction() as conn:
            return self._reap(conn)

    def _reap(self, conn: Connection) -> list[int]:
        here = socket.gethostname()
        moment = now()
        candidates = conn.execute(
            sa.select(runs.c.id, runs.c.host, runs.c.pid, runs.c.lease_until).where(
                runs.c.status == str(RunStatus.RUNNING), runs.c.lease_until.is_not(None)
            )
        ).all()
        dead = [
            r.id
            for r in candidates
            if (r.host == here and r.pid is not None and not _process_alive(r.pid))
            or (r.host != here and (as_utc(r.lease_until) or moment) < moment)
        ]
        if dead:
            conn.execute(
                runs.update()
                .where(runs.c.id.in_(dead))
                .values(status=str(RunStatus.ABANDONED), finished=moment, error=ABANDONED_ERROR)
            )
            conn.execute(released_claims().where(summary_claims.c.run_id.in_(dead)))
        return dead

    def finish_run(
        self,
        run_id: int,
        status: RunStatus,
        *,
        stats: dict[str, Any] | None = None,
        error: str | None = None,
        date: dt.date | None = None,
    ) -> None:
        """Close a run row with its outcome (and the day it turned out to be about); releases its claims."""
        values: dict[str, Any] = {
            "finished": now(),
            "status": str(status),
            "stats": clean(stats),
            "error": clean(error),
            "lease_until": None,
        }
        if date is not None:
            values["date"] = date
        with self.transaction() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(**values))
            conn.execute(released_claims().where(summary_claims.c.run_id == run_id))

    def list_runs(self, limit: int = 20) -> list[RunRow]:
        """The newest runs, newest first."""
        with self.reading() as conn:
            rows = conn.execute(sa.select(runs).order_by(runs.c.id.desc()).limit(limit))
            return [_run_from_row(r) for r in rows]


def _run_from_row(row: Any) -> RunRow:
    return RunRow(
        id=row.id,
        date=row.date,
        started=as_utc(row.started) or now(),
        finished=as_utc(row.finished),
        status=RunStatus(row.status),
        source=row.source,
        summarizer=row.summarizer,
        stats=row.stats,
        error=row.error,
        host=row.host,
        pid=row.pid,
        lease_until=as_utc(row.lease_until),
    )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
