"""Which sections a summary reads, within a token cap counted before sending.

Tokens are estimated as ceil(characters / 3), the same rule the LLM engine uses for its budget
estimate: English BPE tokenizers average about four characters a token, so the estimate errs on the
high side and the cap is never exceeded in practice. No tokenizer is downloaded.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from paperbrief.sources.fulltext.model import FullText, Section, SectionKind, TextSource

DEFAULT_TOKEN_CAP = 6000
CUT_MARK = " […]"
MIN_SECTION_TOKENS = 20  # a section cut to fewer tokens than this is left out rather than sent as a stub

# The sections a summary needs, in the order they get the budget if it is short. OTHER (a heading we
# cannot name, often the method under a custom title) comes last and only takes what is left.
WANTED: tuple[SectionKind, ...] = (
    SectionKind.INTRODUCTION,
    SectionKind.METHOD,
    SectionKind.EXPERIMENTS,
    SectionKind.CONCLUSION,
    SectionKind.LIMITATIONS,
)
_SKIPPED = frozenset(
    {SectionKind.REFERENCES, SectionKind.APPENDIX, SectionKind.ACKNOWLEDGEMENTS, SectionKind.RELATED_WORK}
)

# First match wins; patterns are matched against the lower-cased heading without its number.
_HEADING_RULES: tuple[tuple[SectionKind, re.Pattern[str]], ...] = (
    (SectionKind.REFERENCES, re.compile(r"^(references|bibliography|literature cited)\b")),
    (SectionKind.APPENDIX, re.compile(r"^(appendix|appendices|supplementary)")),
    (SectionKind.ACKNOWLEDGEMENTS, re.compile(r"^acknowledge?ments?\b|^funding\b")),
    (SectionKind.RELATED_WORK, re.compile(r"related work|prior work|literature review|^background\b")),
    (SectionKind.LIMITATIONS, re.compile(r"limitation|threats to validity|broader impact|ethic")),
    (SectionKind.INTRODUCTION, re.compile(r"^introduction\b|^motivation\b|^overview\b")),
    (
        SectionKind.EXPERIMENTS,
        re.compile(r"experiment|evaluation|results?\b|empirical|benchmark|ablation|analysis|setup|case stud"),
    ),
    (SectionKind.CONCLUSION, re.compile(r"conclusion|concluding|summary|discussion|future work")),
    (
        SectionKind.METHOD,
        re.compile(r"method|approach|model\b|architecture|framework|algorithm|proposed|formulation|our "),
    ),
)


def classify_heading(heading: str) -> SectionKind:
    """The kind of a section from its heading, e.g. "3 Proposed Approach" → METHOD."""
    text = re.sub(r"^\s*(?:appendix\s+)?(?:[A-Z]|\d+|[IVX]+)(?:\.\d+)*\.?\s+(?=\S)", "", heading.strip())
    text = " ".join(text.lower().split())
    if heading.strip().lower().startswith("appendix"):
        return SectionKind.APPENDIX
    for kind, pattern in _HEADING_RULES:
        if pattern.search(text):
            return kind
    return SectionKind.OTHER


def estimate_tokens(text: str) -> int:
    """Tokens `text` will cost, estimated before sending as ceil(len / 3) (see the module docstring)."""
    return math.ceil(len(text) / 3)


@dataclass(frozen=True)
class Excerpt:
    """What the prompt gets from a paper: chosen sections (maybe shortened), their token count, what was cut."""

    source: TextSource
    title: str
    sections: tuple[Section, ...]
    tokens: int
    truncated: bool  # some chosen section was shortened to fit the cap
    omitted: tuple[str, ...]  # headings left out (references, appendices, related work, or no room)

    @property
    def cut_note(self) -> str | None:
        """A one-line note for readers when the text sent was shortened to fit the cap, else None."""
        if not self.truncated:
            return None
        cut = [s.heading for s in self.sections if s.text.endswith(CUT_MARK)]
        return f"full text shortened to about {self.tokens:,} tokens ({', '.join(cut)} cut)"

    def as_prompt_text(self) -> str:
        """The sections as `## Heading` blocks, the text the prompt sends."""
        return "\n\n".join(f"## {s.heading}\n{s.text}" for s in self.sections)


def _shorten(text: str, tokens: int) -> str:
    """`text` cut to about `tokens` tokens at a sentence or word end, with a visible cut mark."""
    if estimate_tokens(text) <= tokens:
        return text
    limit = max(0, tokens * 3 - len(CUT_MARK))
    head = text[:limit]
    sentence_end = max(head.rfind(". "), head.rfind(".\n"))
    if sentence_end > limit // 2:
        head = head[: sentence_end + 1]
    elif " " in head:
        head = head[: head.rfind(" ")]
    return head.rstrip() + CUT_MARK


def _share(sizes: dict[int, int], budget: int) -> dict[int, int]:
    """Water-filling: small sections get all they need, the rest split what is left equally."""
    granted: dict[int, int] = {}
    pending = sorted(sizes, key=lambda i: sizes[i])
    left = budget
    while pending:
        fair = left // len(pending)
        index = pending.pop(0)
        granted[index] = min(sizes[index], fair)
        left -= granted[index]
    return granted


def choose_sections(text: FullText, token_cap: int = DEFAULT_TOKEN_CAP) -> Excerpt:
    """The sections that matter (intro, method, experiments/results, conclusion, limitations) within `token_cap`.

    References, appendices, acknowledgements and related work are never sent. Sections of unknown kind
    (often the method under its own name) are added only if the wanted ones fit whole. The result is
    in document order; `truncated` says a section was shortened to fit.
    """
    if token_cap <= 0:
        raise ValueError("token_cap must be > 0")
    headers = {i: estimate_tokens(f"## {s.heading}\n\n\n") for i, s in enumerate(text.sections)}
    wanted = {i: s for i, s in enumerate(text.sections) if s.kind in WANTED and s.text}
    others = {i: s for i, s in enumerate(text.sections) if s.kind is SectionKind.OTHER and s.text}
    if not wanted:  # no heading we recognise (e.g. a short note): read the unknown sections instead
        wanted, others = others, {}
    budget = token_cap - sum(headers[i] for i in wanted)
    sizes = {i: estimate_tokens(s.text) for i, s in wanted.items()}
    granted = _share(sizes, max(0, budget))
    left = max(0, budget) - sum(granted.values())
    for i, section in others.items():
        need = headers[i] + estimate_tokens(section.text)
        if need <= left:
            granted[i] = need - headers[i]
            left -= need
    chosen: list[Section] = []
    truncated = False
    for i in sorted(granted):
        section = text.sections[i]
        if granted[i] < MIN_SECTION_TOKENS and estimate_tokens(section.text) > granted[i]:
            continue
        body = _shorten(section.text, granted[i])
        truncated = truncated or body != section.text
        chosen.append(Section(section.heading, section.kind, body))
    kept = {s.heading for s in chosen}
    omitted = tuple(s.heading for s in text.sections if s.heading not in kept)
    excerpt = Excerpt(text.source, text.title, tuple(chosen), 0, truncated, omitted)
    return Excerpt(
        text.source, text.title, excerpt.sections, estimate_tokens(excerpt.as_prompt_text()), truncated, omitted
    )
