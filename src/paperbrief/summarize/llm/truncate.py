"""The per-paper prompt cap (issue 11): a 200 KB abstract must not become a 50,000-token request.

Tokens are estimated without a tokenizer (one per CJK or other non-ASCII character, one per four
ASCII characters: generous for English, about right for Chinese), which is enough to bound cost.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperbrief.models import Paper

CUT_MARK = " […]"
_BLOCK_OVERHEAD = 40  # the <paper> tags, "Title:"/"Abstract:" labels and the reminder line


def estimate_tokens(text: str) -> float:
    """A rough token count of `text` (see the module docstring)."""
    ascii_chars = sum(1 for ch in text if ch.isascii())
    return ascii_chars / 4 + (len(text) - ascii_chars)


def _cut(text: str, budget: float) -> str:
    """The longest prefix of `text` within `budget` estimated tokens, ending at a word boundary."""
    spent = 0.0
    for index, ch in enumerate(text):
        spent += 0.25 if ch.isascii() else 1.0
        if spent > budget:
            head = text[:index]
            space = head.rfind(" ")
            return head[:space] if space > len(head) // 2 else head
    return text


def cap_papers(papers: Sequence[Paper], max_tokens: int) -> tuple[list[Paper], list[str]]:
    """Papers whose title and abstract fit in `max_tokens` (cut abstracts end with ` […]`), and a note
    naming the papers that were cut."""
    out: list[Paper] = []
    cut: list[str] = []
    for paper in papers:
        room = max_tokens - _BLOCK_OVERHEAD - estimate_tokens(paper.title)
        if estimate_tokens(paper.abstract) <= room:
            out.append(paper)
            continue
        abstract = _cut(paper.abstract, max(0.0, room - estimate_tokens(CUT_MARK))) + CUT_MARK
        out.append(paper.model_copy(update={"abstract": abstract}))
        cut.append(paper.versioned_id)
    notes = []
    if cut:
        shown = ", ".join(cut[:10]) + (" …" if len(cut) > 10 else "")
        notes.append(
            f"{len(cut)} paper(s) too long for the LLM were cut to about {max_tokens} tokens "
            f"(llm max_input_tokens): {shown}"
        )
    return out, notes
