"""Selection modes: which of the day's papers go into the digest, in which order, and why.

`latest` is the reference's behaviour (newest ids first), `interest` pre-ranks by the profile,
`score` hands up to `max_llm_papers` ranked candidates to the summarizer and keeps the best
`max_papers` by LLM score (`finalize_by_score`), `learned` ranks by the reader's model trained on
their feedback (docs/feedback.md), `auto` is `learned` once the reader has `AUTO_MIN_EVENTS` usable
events, else `interest` when a profile exists and `latest` otherwise. Every input paper gets a
one-line decision (docs/selection.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from paperbrief.models import DigestEntry, Paper, SelectionReason, Summary
from paperbrief.select.enrich import found_enrichment
from paperbrief.select.filters import (
    DEFAULT_FIELDS,
    AuthorPattern,
    CategoryVerdict,
    Field,
    Term,
    category_verdict,
    compile_authors,
    compile_terms,
    matching_terms,
    parse_fields,
    watched_authors,
)
from paperbrief.select.profile import profile_entries
from paperbrief.select.rank import (
    Bm25Similarity,
    EmbeddingSimilarity,
    EmbeddingUnavailable,
    RankedPaper,
    Similarity,
    newest_first,
    newest_key,
    rank_candidates,
)

if TYPE_CHECKING:
    from paperbrief.select.learn import LearnedModel, ScoredPaper
    from paperbrief.store.db import Store


class SelectMode(StrEnum):
    """How the digest's papers are chosen."""

    AUTO = "auto"
    LATEST = "latest"
    INTEREST = "interest"
    SCORE = "score"
    LEARNED = "learned"


NO_MATCH_NOTE = {
    "zh": "兴趣画像今日无匹配",
    "en": "No paper matched your interest profile today",
}
# The short "why" of each paper (SelectionReason.note), in the digest's language.
_REASON_NOTE = {
    "watched": {"zh": "关注作者", "en": "watched author"},
    "rank": {"zh": "排名 {position}/{total}", "en": "rank {position}/{total}"},
    "newest": {"zh": "最新优先", "en": "newest first"},
}
NO_PROFILE_NOTE = {
    "zh": "未设置兴趣画像（select.topics 或阅读列表），按最新论文选取",
    "en": "No interest profile (select.topics or a reading list) is set: newest papers selected",
}


@dataclass
class SelectOptions:
    """Everything selection needs; terms and authors are validated when the options are built."""

    mode: SelectMode | str = SelectMode.AUTO
    max_papers: int = 30
    max_llm_papers: int = 100
    categories: Sequence[str] = ()
    include_cross: bool = False
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    fields: Sequence[str] = tuple(f.value for f in DEFAULT_FIELDS)
    authors: Sequence[str] = ()
    topics: dict[str, float] = field(default_factory=dict)
    embedding_model: str | None = None
    language: str = "zh"
    reader: str = "me"
    exploration: float = 0.1
    include_terms: list[Term] = field(init=False, repr=False)
    exclude_terms: list[Term] = field(init=False, repr=False)
    field_list: tuple[Field, ...] = field(init=False, repr=False)
    author_patterns: list[AuthorPattern] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Invalid regexes, fields or modes fail here, before any paper is fetched or paid for.
        self.mode = SelectMode(self.mode)
        if self.max_papers < 1 or self.max_llm_papers < 1:
            raise ValueError("max_papers and max_llm_papers must be at least 1")
        self.include_terms = compile_terms(self.include)
        self.exclude_terms = compile_terms(self.exclude)
        self.field_list = parse_fields(self.fields)
        self.author_patterns = compile_authors(self.authors)

    def _note(self, table: dict[str, str]) -> str:
        return table.get(self.language, table["en"])


@dataclass
class Selection:
    """The selected entries in report order, the candidate count, a decision for every input paper.

    `reasons` holds the matched terms, authors, profile entries and rank score of every candidate,
    selected or not (what `paperbrief explain` prints).
    """

    entries: list[DigestEntry] = field(default_factory=list)
    candidates: int = 0
    decisions: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, SelectionReason] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mode: SelectMode = SelectMode.LATEST


@dataclass(slots=True)
class _Candidate:
    # Tuples, and slots: a day of 10,000 candidates makes few objects for the garbage collector to walk.
    paper: Paper
    terms: tuple[str, ...]
    authors: Sequence[str]
    past_exclude: tuple[str, ...]


def _filter(paper: Paper, options: SelectOptions, verdicts: dict[tuple[str, ...], CategoryVerdict]) -> _Candidate | str:
    """A candidate, or the reason the paper is filtered out.

    `verdicts` (one dict per selection) keeps the category verdict of each (primary, categories…)
    combination seen: the verdict depends on nothing else, and a day has far fewer combinations
    than papers.
    """
    key = (paper.primary, *paper.categories)
    verdict = verdicts.get(key)
    if verdict is None:
        verdict = verdicts[key] = category_verdict(paper, options.categories)
    # Without a watch list or terms there is nothing to look for (the usual case, at 10,000 papers a day).
    watched: Sequence[str] = watched_authors(paper, options.author_patterns) if options.author_patterns else ()
    if verdict is CategoryVerdict.OUTSIDE:
        return f"filtered: primary {paper.primary} is not in the configured categories"
    if verdict is CategoryVerdict.CROSS and not options.include_cross and not watched:
        return f"filtered: cross-list from {paper.primary} (cross-lists are off)"
    excluded = matching_terms(paper, options.exclude_terms, options.field_list) if options.exclude_terms else ()
    if excluded and not watched:
        term, where = excluded[0]
        return f"filtered: exclude term {term!r} in {where.value}"
    included = matching_terms(paper, options.include_terms, options.field_list) if options.include_terms else ()
    if options.include_terms and not included and not watched:
        fields = ", ".join(f.value for f in options.field_list)
        return f"filtered: no include term matched in {fields}"
    return _Candidate(paper, tuple(t for t, _ in included), watched, tuple(t for t, _ in excluded))


def _dedupe(papers: Sequence[Paper]) -> list[Paper]:
    # A paper listed twice (e.g. new and replace in one feed) is considered once, highest version.
    best: dict[str, Paper] = {}
    for paper in papers:
        kept = best.get(paper.arxiv_id)
        if kept is None or paper.version > kept.version:
            best[paper.arxiv_id] = paper
    return [p for p in papers if best[p.arxiv_id] is p]


def _similarity(options: SelectOptions, notes: list[str]) -> Similarity:
    if options.embedding_model:
        try:
            return EmbeddingSimilarity(options.embedding_model)
        except EmbeddingUnavailable as exc:
            notes.append(f"{exc}; ranked with BM25 instead")
    return Bm25Similarity()


def select_papers(  # noqa: C901 — issue 10 splits this function; the exemption goes with it
    papers: Sequence[Paper],
    options: SelectOptions,
    reading_items: Sequence[Mapping[str, Any]] = (),
    *,
    similarity: Similarity | None = None,
    learned: LearnedModel | None = None,
) -> Selection:
    """Filter, rank and cut a day's papers; entries come in report order with their reasons.

    `learned` is the reader's model (`reader_model`); `learned` mode without one ranks cold (the profile).
    """
    selection = Selection()
    decisions: dict[str, str] = {}
    unique = _dedupe(papers)
    candidates: list[_Candidate] = []
    verdicts: dict[tuple[str, ...], CategoryVerdict] = {}
    for paper in unique:
        outcome = _filter(paper, options, verdicts)
        if isinstance(outcome, str):
            decisions[paper.arxiv_id] = outcome
        else:
            candidates.append(outcome)
    if learned is not None and learned.hidden:  # a hidden paper never returns, in any mode (issue 12)
        hidden_now = {c.paper.arxiv_id for c in candidates if c.paper.arxiv_id in learned.hidden}
        decisions.update(dict.fromkeys(hidden_now, "filtered: you hid this paper"))
        candidates = [c for c in candidates if c.paper.arxiv_id not in hidden_now]
    selection.candidates = len(candidates)
    entries = profile_entries(options.topics, reading_items)
    mode = SelectMode(options.mode)
    if mode is SelectMode.AUTO and learned is not None and learned.ready_for_auto:
        mode = SelectMode.LEARNED
    elif mode is SelectMode.AUTO:
        mode = SelectMode.INTEREST if entries else SelectMode.LATEST
    elif mode in (SelectMode.INTEREST, SelectMode.SCORE) and not entries:
        selection.notes.append(options._note(NO_PROFILE_NOTE))
    selection.mode = mode
    by_id = {c.paper.arxiv_id: c for c in candidates}

    ranked: dict[str, tuple[int, RankedPaper]] = {}
    scored: dict[str, ScoredPaper] = {}
    if mode is SelectMode.LEARNED:
        scored, hidden = _learned_rank(candidates, entries, options, learned)
        candidates = [c for c in candidates if c.paper.arxiv_id not in hidden]
        decisions.update(dict.fromkeys(hidden, "filtered: you hid this paper"))
        by_id = {c.paper.arxiv_id: c for c in candidates}
        ranked = {
            i: (n, RankedPaper(by_id[i].paper, s.score, list(s.topics))) for n, (i, s) in enumerate(scored.items(), 1)
        }
        order = list(scored)
    elif entries and mode is not SelectMode.LATEST and candidates:
        sim = similarity or _similarity(options, selection.notes)
        result = rank_candidates([c.paper for c in candidates], entries, sim)
        ranked = {r.paper.arxiv_id: (i + 1, r) for i, r in enumerate(result)}
        order = [r.paper.arxiv_id for r in result]
        if not any(r.matched for r in result):
            selection.notes.append(options._note(NO_MATCH_NOTE))
    else:
        order = [p.arxiv_id for p in newest_first([c.paper for c in candidates])]

    limit = options.max_llm_papers if mode is SelectMode.SCORE else options.max_papers
    pinned = [i for i in order if by_id[i].authors]
    rest = [i for i in order if not by_id[i].authors]
    chosen = set(pinned) | set(rest[: max(0, limit - len(pinned))])
    total = len(order)
    for position, arxiv_id in enumerate(order, start=1):
        cand = by_id[arxiv_id]
        rank_info = ranked.get(arxiv_id)
        score = rank_info[1].score if rank_info else None
        where = f"rank {position} of {total}" + (f", score {score:.3f}" if score is not None else "")
        if not ranked:
            where = f"position {position} of {total} newest first"
        matched_profile = rank_info[1].matched if rank_info else []
        kind = "watched" if cand.authors else ("rank" if ranked else "newest")
        note = options._note(_REASON_NOTE[kind]).format(position=position, total=total)
        learned_pick = scored.get(arxiv_id)
        reason = SelectionReason(
            rank_score=score,
            matched_terms=cand.terms,
            matched_authors=cand.authors,
            matched_profile=matched_profile,
            note=_learned_note(learned_pick.reason, options.language) if learned_pick and not cand.authors else note,
            exploration=learned_pick.exploration if learned_pick is not None else False,
            liked=[r.arxiv_id for r in learned_pick.similar] if learned_pick is not None else [],
        )
        selection.reasons[arxiv_id] = reason
        if arxiv_id not in chosen:
            taken = f"; {len(pinned)} slot{'s' if len(pinned) > 1 else ''} taken by watched authors" if pinned else ""
            decisions[arxiv_id] = f"not selected: {where} (cut at {limit}{taken})" + (
                "; profile: " + "; ".join(matched_profile[:3]) if matched_profile else ""
            )
            continue
        parts = [f"selected: {where}"]
        if cand.authors:
            parts.append("watched author " + ", ".join(cand.authors))
        if cand.past_exclude:
            parts.append("kept past exclude term " + ", ".join(repr(t) for t in cand.past_exclude))
        if cand.terms:
            parts.append("terms " + ", ".join(repr(t) for t in cand.terms))
        if matched_profile:
            parts.append("profile: " + "; ".join(matched_profile[:3]))
        if mode is SelectMode.SCORE:
            parts.append("sent for LLM scoring")
        decisions[arxiv_id] = "; ".join(parts)
        # Numbered 1…n in selection order; the entry shares the reason of `selection.reasons` (nothing changes
        # a reason once made, and entry copies share theirs too): 10,000 fewer objects for the collector.
        number = len(selection.entries) + 1
        selection.entries.append(
            DigestEntry(number=number, paper=cand.paper, reason=reason, enrichment=found_enrichment(cand.paper))
        )
    # Every input paper has a decision, in input order.
    selection.decisions = {p.arxiv_id: decisions[p.arxiv_id] for p in papers}
    return selection


# The learned ranker's reasons (select.learn, English) in the digest's language: (pattern, zh).
_LEARNED_NOTES_ZH = (
    (re.compile(r"^resembles papers you liked: (.*)$"), r"与你喜欢的论文相似：\1"),
    (re.compile(r"^matches your topic (.*)$"), r"匹配你的主题：\1"),
    (
        re.compile(r"^exploration: a strong paper outside your usual area \((.*)\)$"),
        r"探索：你常读领域之外的强论文（\1）",
    ),
    (re.compile(r"^by an author of papers you liked: (.*)$"), r"作者写过你喜欢的论文：\1"),
    (re.compile(r"^in (\S+), where you liked papers$"), r"\1：你在此领域喜欢过论文"),
    (
        re.compile(r"^ranked by what you liked and disliked \(no single close match\)$"),
        "按你的喜欢与不喜欢排序（无单一相近论文）",
    ),
    (
        re.compile(r"^ranked by your topics and reading list \(no close match\)$"),
        "按你的主题和阅读列表排序（无相近匹配）",
    ),
    (re.compile(r"^newest first \(no feedback, topics or reading list yet\)$"), "最新优先（尚无反馈、主题或阅读列表）"),
)


def _learned_note(reason: str, language: str) -> str:
    """A learned pick's reason in the digest's language (ids and titles kept as they are)."""
    if language != "zh":
        return reason
    for pattern, replacement in _LEARNED_NOTES_ZH:
        if pattern.match(reason):
            return pattern.sub(replacement, reason)
    return reason


def _learned_rank(
    candidates: Sequence[_Candidate],
    entries: Sequence[Any],
    options: SelectOptions,
    learned: LearnedModel | None,
) -> tuple[dict[str, ScoredPaper], set[str]]:
    """The learned order (id → scored pick, best first) and the candidates the reader hid."""
    from paperbrief.select.learn import LearnedRanker

    model = learned if learned is not None else LearnedRanker(exploration=options.exploration).fit([], {}, entries)
    result = model.rank([c.paper for c in candidates], slots=options.max_papers)
    scored = {s.arxiv_id: s for s in result}
    return scored, {c.paper.arxiv_id for c in candidates} - set(scored)


def learned_model_for(
    store: Store, options: SelectOptions, reading_items: Sequence[Mapping[str, Any]]
) -> LearnedModel | None:
    """The reader's cached or rebuilt model: always in `learned` mode, in any mode once they gave feedback.

    `select_papers` ranks by it in `learned` mode (and in `auto` once `ready_for_auto`), and in
    every mode leaves out the papers the reader hid.
    """
    if SelectMode(options.mode) is not SelectMode.LEARNED and not store.feedback_events(options.reader):
        return None
    from paperbrief.select.learn import LearnedRanker, reader_model

    prior = profile_entries(options.topics, reading_items)
    ranker = LearnedRanker(exploration=options.exploration, embedding_model=options.embedding_model)
    return reader_model(store, options.reader, prior, ranker=ranker)


def finalize_by_score(entries: Sequence[DigestEntry], max_papers: int) -> list[DigestEntry]:
    """`score` mode's cut: the best `max_papers` by LLM score (None last), watched authors always kept.

    Ties: higher rank score first, then the newer arXiv id. Entries are renumbered from 1.
    """

    def key(entry: DigestEntry) -> tuple[Any, ...]:
        llm = entry.summary.score if entry.summary is not None else None
        rank = entry.reason.rank_score if entry.reason is not None else None
        return (llm is None, -(llm or 0), rank is None, -(rank or 0.0), newest_key(entry.paper.arxiv_id))

    ordered = sorted(entries, key=key)
    pinned = [e for e in ordered if e.reason is not None and e.reason.matched_authors]
    rest = [e for e in ordered if not (e.reason is not None and e.reason.matched_authors)]
    keep = {id(e) for e in pinned} | {id(e) for e in rest[: max(0, max_papers - len(pinned))]}
    out = [e.model_copy() for e in ordered if id(e) in keep]
    for number, entry in enumerate(out, start=1):
        entry.number = number
    return out


def replay_score_cut(
    selection: Selection, summaries: Mapping[tuple[str, int], Summary], max_papers: int
) -> list[DigestEntry]:
    """Replay `score` mode's final cut for `paperbrief explain` with known (stored) summaries.

    Applies `finalize_by_score` to the papers sent for LLM scoring and rewrites their decisions:
    `selected: LLM score 78 (#3 of 30 by LLM score)`, `not selected: cut by LLM score 57 (cut at 63)`,
    `not selected: no LLM score (failed: …)`. Without any stored score the decisions stay as they
    are and a note says the cut cannot be replayed. Returns the kept entries.
    """
    sent = [
        e.model_copy(update={"summary": summaries.get((e.paper.arxiv_id, e.paper.version))}) for e in selection.entries
    ]
    if not any(e.summary is not None and e.summary.score is not None for e in sent):
        selection.notes.append("score mode: no stored LLM score for this day, so the cut by LLM score is not replayed")
        return sent[:max_papers]
    kept = finalize_by_score(sent, max_papers)
    kept_ids = {e.paper.arxiv_id: e.number for e in kept}
    kept_scores = [
        e.summary.score
        for e in kept
        if e.summary is not None and e.summary.score is not None and not (e.reason and e.reason.matched_authors)
    ]
    threshold = min(kept_scores) if kept_scores else None
    for entry in sent:
        arxiv_id = entry.paper.arxiv_id
        before = selection.decisions.get(arxiv_id, "")
        # "selected: rank 4 of 34, score 1.292; …; sent for LLM scoring" → "rank 4 of 34, score 1.292; …"
        context = before.removeprefix("selected: ").removesuffix("; sent for LLM scoring")
        summary = entry.summary
        score = summary.score if summary is not None else None
        if arxiv_id in kept_ids:
            head = f"selected: LLM score {score}" if score is not None else "selected: no LLM score"
            head += f" (#{kept_ids[arxiv_id]} of {len(kept)} by LLM score)"
        elif score is not None:
            cut = f"cut at {threshold}" if threshold is not None else f"cut at {max_papers}"
            head = f"not selected: cut by LLM score {score} ({cut})"
        elif summary is None:
            head = "not selected: no stored summary, so no LLM score"
        else:
            why = f"{summary.status.value}: {summary.error}" if summary.error else summary.status.value
            head = f"not selected: no LLM score ({why})"
        selection.decisions[arxiv_id] = f"{head}; {context}" if context else head
    return kept
