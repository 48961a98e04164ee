"""One paper's block of the Markdown report, written in Python: what `templates/daily.md.j2` holds around it.

The block is the same text for every day size, so at 10,000 papers its ~75 template chunks per
paper (Jinja's generator, one write each) were most of the report's cost (issue 15). The values
come from `markdown._entry_view`, already escaped; this module only lays them out, line for line
as the reference report (tests/test_golden.py pins the result).
"""

from __future__ import annotations

from typing import Any


def entry_markdown(e: dict[str, Any], labels: dict[str, str]) -> str:
    """The block of one paper: heading, facts, abstract, summary, links and the closing rule."""
    colon = labels["colon"]
    lines = [
        f"## [{e['number']}. {e['title']}]({e['abs_url']})",
        "",
        f"**{labels['authors']}**{colon}{e['authors']}  ",
        f"**{labels['categories']}**{colon}{e['categories']}  ",
    ]
    if e["reason"]:
        lines.append(f"**{labels['reason']}**{colon}{e['reason']}  ")
    if e["enrichment"]:
        lines.append(f"**{labels['enrichment']}**{colon}{e['enrichment']}  ")
    lines += [
        f"**{labels['published']}**{colon}{e['published']}",
        "",
        f"### 📄 {labels['abstract']}",
        "",
        f"{e['abstract']}",
        "",
        f"### {e['summary_heading']}",
        "",
    ]
    if e["note"]:
        lines += [f"{e['note']}", ""]
    else:
        lines += _summary_lines(e, labels)
    lines += [
        f"**{labels['links']}**{colon}[{labels['view']}]({e['abs_url']}) | [{labels['pdf']}]({e['pdf_url']})",
        "",
        "---",
        "",
        "",
    ]
    return "\n".join(lines)


def _summary_lines(e: dict[str, Any], labels: dict[str, str]) -> list[str]:
    colon = labels["colon"]
    lines: list[str] = []
    for name in ("tldr", "motivation", "method", "conclusion"):
        lines += [f"**{labels[name]}**{colon}{e[name]}", ""]
    if e["fulltext"]:
        lines += [f"{e['fulltext']}", ""]
    lines += [f"**{labels['keywords']}**{colon}{e['keywords']}", "", f"**{labels['score']}**{colon}{e['score']}", ""]
    return lines
