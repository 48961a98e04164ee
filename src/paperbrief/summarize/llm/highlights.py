"""The day's highlights (issue 5): one call over the numbered tldrs, validated, cached in the store.

Only papers whose summary is `ok` are sent (and may be cited). The answer becomes Markdown bullets
citing `[n]`; unknown numbers are removed and a theme citing nothing valid is dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Sequence

from paperbrief.models import DigestEntry, SummaryStatus
from paperbrief.redact import mask_text
from paperbrief.store.db import Store, StoreError
from paperbrief.summarize.base import HighlightsResult, Usage
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.calllog import CallLogger, CallStatus
from paperbrief.summarize.llm.config import LLMConfig
from paperbrief.summarize.llm.errors import BreakerOpen, BudgetReached, CallFailed
from paperbrief.summarize.llm.parse import AnswerError, extract_json
from paperbrief.summarize.llm.transport import Call, Transport

log = logging.getLogger(__name__)

HIGHLIGHTS_ARTIFACT_KIND = "highlights"


def highlights_key(config: LLMConfig, entries: Sequence[DigestEntry]) -> str:
    """Cache key of a day's highlights: model, prompt version, language and, per numbered entry,
    its versioned id, summary status and a hash of its tldr (a new tldr means new highlights)."""
    parts = [config.model, P.HIGHLIGHTS_PROMPT_VERSION, config.language]
    for index, entry in enumerate(entries, start=1):
        summary = entry.summary
        status = str(summary.status) if summary is not None else "none"
        tldr = (summary.tldr or "") if summary is not None else ""
        digest = hashlib.sha256(tldr.encode("utf-8")).hexdigest()[:16]
        parts.append(f"{entry.number or index}:{entry.paper.versioned_id}:{status}:{digest}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def highlights_claim_key(key: str) -> tuple[str, int]:
    """The claim a run takes on a day's highlights (`("highlights:<40 hex of the cache key>", 0)`):
    the summaries' claims table keys an (id, version) pair, and an arXiv id never starts so."""
    return (f"{HIGHLIGHTS_ARTIFACT_KIND}:{key[:40]}", 0)


class HighlightsWriter:
    """Writes a day's highlights with the summarizer's transport (same budget, same breaker)."""

    def __init__(
        self,
        config: LLMConfig,
        transport: Transport,
        run_id: int | None = None,
        *,
        claim_wait_seconds: float = 180.0,
        claim_poll_seconds: float = 0.25,
    ) -> None:
        self.config = config
        self.transport = transport
        self.run_id = run_id
        # Two runs of one day at once: the second waits this long for the first one's highlights
        # (the same claims as the summaries, docs/scale.md) instead of paying for the call again.
        self.claim_wait_seconds = claim_wait_seconds
        self.claim_poll_seconds = claim_poll_seconds

    async def write(self, entries: Sequence[DigestEntry], store: Store | None, *, refresh: bool) -> HighlightsResult:
        """Highlights of `entries`; `markdown` is None (with a note saying why when worth telling)
        when fewer than two papers are ok, the budget is spent, the call fails or no theme survives.
        The digest never fails for its highlights. `refresh` skips the cache lookup."""
        items = _highlight_items(entries)
        if len(items) < 2:
            return HighlightsResult(None)
        key = highlights_key(self.config, entries)
        cached = None if refresh else _cached(store, key)
        if cached is not None:
            return HighlightsResult(cached)
        claim = None
        if not refresh and store is not None and self.run_id is not None:
            claim = _Claim(store, self.run_id, self.config, key)
            outcome = await claim.take(self.claim_wait_seconds, self.claim_poll_seconds)
            if isinstance(outcome, str):
                return HighlightsResult(outcome)  # another run wrote them while this one waited
            if not outcome:
                return self._skipped("another run of this day is still writing the same highlights")
        try:
            return await self._call(entries, items, key, store)
        finally:
            if claim is not None:
                claim.release()

    async def _call(
        self, entries: Sequence[DigestEntry], items: list[tuple[int, str, str]], key: str, store: Store | None
    ) -> HighlightsResult:
        """One highlights call, validated and cached under `key`."""
        if self.transport.state.budget.exhausted():
            return self._skipped("LLM budget reached")
        messages = [
            {"role": "system", "content": P.highlights_system_prompt(self.config.language)},
            {"role": "user", "content": P.highlights_user_prompt(items)},
        ]
        ids = [e.paper.versioned_id for e in _highlightable(entries)]
        logger = CallLogger(store, self.config.model, P.HIGHLIGHTS_PROMPT_VERSION, self.config.api_key, self.run_id)
        async with self.transport.session(logger) as session:
            try:
                call = await self.transport.chat(session, messages, ids, P.highlights_schema())
            except BudgetReached:
                return self._skipped("LLM budget reached", session.spent.usage(self.config.priced))
            except (CallFailed, BreakerOpen) as exc:
                return self._skipped(f"call failed: {exc}", session.spent.usage(self.config.priced))
        usage = session.spent.usage(self.config.priced)
        numbers = {n for n, _, _ in items}
        try:
            markdown = render_highlights(call.text, numbers, self.config.language)
        except AnswerError as exc:
            logger.log(call.record(CallStatus.INVALID, str(exc)))
            return self._skipped(f"answer rejected: {exc}", usage)
        logger.log(call.record(CallStatus.OK))
        _store(store, key, markdown, call, self.config.model)
        return HighlightsResult(markdown, usage)

    def _skipped(self, reason: str, usage: Usage | None = None) -> HighlightsResult:
        note = f"highlights skipped: {mask_text(reason, self.config.api_key)}"
        log.warning("%s", note)
        return HighlightsResult(None, usage or Usage(priced=self.config.priced), [note])


class _Claim:
    """The day's highlights claimed like a paper (`Store.claim_summaries`), so runs sharing a store pay once.

    The claim key is `("highlights:<cache key>", 0)` under the highlights prompt's scope; it lives as
    long as the call and is released after it (or with the run, if the process dies).
    """

    def __init__(self, store: Store, run_id: int, config: LLMConfig, key: str) -> None:
        self.store = store
        self.run_id = run_id
        self.key = key
        self.claim_key = highlights_claim_key(key)
        self.model = config.model
        self.language = config.language

    async def take(self, wait_seconds: float, poll_seconds: float) -> bool | str:
        """True once this run holds the claim; the markdown if another run cached it meanwhile;
        False after `wait_seconds` with another live run still holding it. A store error: True
        (highlights never fail a run; at worst two runs pay for one call)."""
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                claimed = self.store.claim_summaries(
                    self.run_id,
                    [self.claim_key],
                    model=self.model,
                    prompt_version=P.HIGHLIGHTS_PROMPT_VERSION,
                    language=self.language,
                )
                if claimed:
                    # The run that held it may have finished just now: its answer is then cached.
                    cached = _cached(self.store, self.key)
                    if cached is not None:
                        self.release()
                        return cached
                    return True
            except StoreError as exc:
                log.warning("highlights not claimed: %s", exc)
                return True
            cached = _cached(self.store, self.key)
            if cached is not None:
                return cached
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(poll_seconds)

    def release(self) -> None:
        """Give the claim up (the answer, if any, is cached by then)."""
        try:
            self.store.release_claims(self.run_id, [self.claim_key])
        except StoreError as exc:
            log.warning("highlights claim not released: %s", exc)


def _cached(store: Store | None, key: str) -> str | None:
    if store is None:
        return None
    try:
        cached = store.get_artifact(HIGHLIGHTS_ARTIFACT_KIND, key)
    except StoreError:
        return None
    if isinstance(cached, dict) and isinstance(cached.get("markdown"), str):
        return str(cached["markdown"])
    return None


def _store(store: Store | None, key: str, markdown: str, call: Call, model: str) -> None:
    if store is None:
        return
    value = {
        "markdown": markdown,
        "model": model,
        "prompt_version": P.HIGHLIGHTS_PROMPT_VERSION,
        "tokens_in": call.tokens_in,
        "tokens_out": call.tokens_out,
        "cost": call.cost,
    }
    try:
        store.put_artifact(HIGHLIGHTS_ARTIFACT_KIND, key, value)
    except StoreError as exc:
        log.warning("cannot cache highlights: %s", exc)


def _highlightable(entries: Sequence[DigestEntry]) -> list[DigestEntry]:
    """The entries worth highlighting: an `ok` summary with a tldr (failed and skipped papers are
    neither sent nor citable)."""
    return [
        e
        for e in entries
        if e.summary is not None and e.summary.status is SummaryStatus.OK and (e.summary.tldr or "").strip()
    ]


def _highlight_items(entries: Sequence[DigestEntry]) -> list[tuple[int, str, str]]:
    numbers = {id(e): e.number or index for index, e in enumerate(entries, start=1)}
    return [
        (numbers[id(e)], e.paper.title, (e.summary.tldr or "") if e.summary else "") for e in _highlightable(entries)
    ]


# A citation: digits in ASCII or full-width brackets, as a list ("1, 2", "1、2", "1 and 2") and/or
# ranges ("1-3", "1–3", "1~3"); the whitespace before it goes with it when it is dropped.
_SEP = r"(?:\s*(?:[,，、;；]|and|&)\s*|\s*[-–—~～]\s*|\s+)"
_CITATION_RE = re.compile(rf"(\s*)[\[【［]\s*(\d+(?:{_SEP}\d+)*)\s*[\]】］]")
_ITEM_RE = re.compile(r"(\d+)(?:\s*[-–—~～]\s*(\d+))?")
_MAX_RANGE = 20


def _cited_numbers(inner: str, numbers: set[int]) -> list[int]:
    """Every known number cited inside one bracket, in the order written, once.

    A range is expanded only when both ends are papers of the day (and it is short); otherwise its
    ends count as single numbers, so "[1-999]" cites [1], not the whole day.
    """
    out: list[int] = []
    for match in _ITEM_RE.finditer(inner):
        lo = int(match.group(1))
        hi = int(match.group(2)) if match.group(2) else lo
        if lo in numbers and hi in numbers and lo <= hi and hi - lo <= _MAX_RANGE:
            out += [n for n in range(lo, hi + 1) if n in numbers]
        else:
            out += [n for n in (lo, hi) if n in numbers]
    return list(dict.fromkeys(out))


def _clean_citations(text: str, numbers: set[int]) -> str:
    """Citations normalised to separate `[n]` brackets; numbers not in the day removed."""

    def replace(match: re.Match[str]) -> str:
        cited = _cited_numbers(match.group(2), numbers)
        return match.group(1) + "".join(f"[{n}]" for n in cited) if cited else ""

    return _CITATION_RE.sub(replace, text).strip()


def _theme_line(theme: dict[str, object], numbers: set[int], language: str) -> str | None:
    title = _clean_citations(" ".join(str(theme.get("title") or "").split()), numbers)
    body = _clean_citations(" ".join(str(theme.get("text") or "").split()), numbers)
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", body)]
    papers = theme.get("papers")
    listed = [n for n in papers if isinstance(n, int) and not isinstance(n, bool)] if isinstance(papers, list) else []
    extra = list(dict.fromkeys(n for n in listed if n in numbers and n not in cited))
    if extra:
        body = f"{body} " + "".join(f"[{n}]" for n in extra)
        cited += extra
    if not cited or not body:
        return None
    colon = "：" if language == "zh" else ": "
    return f"- **{title}**{colon}{body}" if title else f"- {body}"


def render_highlights(text: str, numbers: set[int], language: str = "zh") -> str:
    """Validate a highlights answer into Markdown bullets citing only the day's papers as `[n]`.

    Every number in `[...]`/`【...】` counts, lists and ranges included; unknown numbers are
    removed (with the bracket when none is left). A theme left with no valid citation is dropped;
    no theme left is an `AnswerError`.
    """
    data = extract_json(text)
    themes = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(themes, list):
        raise AnswerError('highlights answer has no "themes" array')
    lines = [
        line for theme in themes[:5] if isinstance(theme, dict) and (line := _theme_line(theme, numbers, language))
    ]
    if not lines:
        raise AnswerError("no highlight theme cites a paper of the day")
    return "\n".join(lines)
