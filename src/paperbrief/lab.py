"""Lab mode (issue 12): one fetch and one LLM summary per paper serve every reader of `[readers.*]`.

The first reader's run fetches the day (recording it in the store) and summarizes their picks; the
others run on that stored day (no second fetch) and find every summary already paid for in the
store's cache, so only papers no earlier reader picked are summarized. Each reader gets their own
digest files (`OUT/DATE.NAME.md`, `OUT/DATE.NAME.json`), their own digest in the store (m011: keyed
by reader, so `deliver --reader NAME` and `site` on a past day act on it), their own site
(`OUT/NAME/site/`) and their own deliveries (log rows `email:NAME`, `chat:…#NAME`: sent once per
day, reader and channel).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from paperbrief.factories import settings_for_reader
from paperbrief.pipeline import ProgressHook, RunOutcome, RunRequest, run_day
from paperbrief.store.db import Store

if TYPE_CHECKING:
    from paperbrief.settings import Settings


def reader_out_dir(settings: Settings, reader: str) -> Path:
    """Where a reader's site goes: `OUT/NAME` in a lab (their site is `OUT/NAME/site/`), else `OUT`."""
    return settings.out_dir / reader if len(settings.reader_names) > 1 else settings.out_dir


def settings_as_reader(settings: Settings, reader: str | None = None) -> Settings:
    """The settings as `reader` (default: the `reader` setting) sees them, with their own output directory."""
    own = settings_for_reader(settings, reader)
    return own.model_copy(update={"out_dir": reader_out_dir(settings, own.reader)})


def reader_file(out_dir: Path, path: Path, reader: str) -> Path:
    """Where a reader's digest file goes: `2026-02-04.md` → `OUT/2026-02-04.alice.md`."""
    return out_dir / f"{path.stem}.{reader}{path.suffix}"


def run_lab(settings: Settings, store: Store, request: RunRequest, progress: ProgressHook | None = None) -> RunOutcome:
    """Run the day for every reader; the outcome has every reader's files, the worst exit code, all LLM calls."""
    outcomes: list[RunOutcome] = []
    with tempfile.TemporaryDirectory(prefix="paperbrief-lab-") as tmp:
        day_file = Path(tmp) / "day.json"
        lab = len(settings.reader_names) > 1
        for name in settings.reader_names:
            own = settings_as_reader(settings, name)
            if outcomes:
                # The others take the day the first run stored: no second request to arXiv.
                date = outcomes[0].digest.date
                papers = [p.model_dump(mode="json") for p in store.announced_papers(date)]
                day_file.write_text(json.dumps(papers, ensure_ascii=False), encoding="utf-8")
                reader_request = dataclasses.replace(request, sample=False, day_file=day_file, date=date)
            else:
                reader_request = request
            outcome = run_day(own, store, reader_request, progress)
            files = [_move(settings.out_dir, f, name) for f in outcome.files] if lab else outcome.files
            outcomes.append(dataclasses.replace(outcome, files=files))
    return _combined(outcomes)


def _move(out_dir: Path, path: Path, reader: str) -> Path:
    if path.suffix not in (".md", ".json") or path.parent.name == "site":
        return path
    target = reader_file(out_dir, path, reader)
    path.replace(target)
    return target


def _combined(outcomes: list[RunOutcome]) -> RunOutcome:
    last = outcomes[-1]
    return dataclasses.replace(
        last,
        files=[f for o in outcomes for f in o.files],
        exit_code=max(o.exit_code for o in outcomes),
        messages=[m for o in outcomes for m in o.messages],
        llm_calls=sum(o.llm_calls for o in outcomes),
        run_tokens=sum(o.run_tokens for o in outcomes),
        run_cost=sum(o.run_cost for o in outcomes),
    )
