"""The day's highlights (model-written Markdown bullets) as safe HTML and as plain text.

The summarizer stores highlights as lines like `- **主题**：正文 [8][9][2]` (see
`paperbrief.summarize.llm.render_highlights`). The Markdown report keeps that form; every other
output must show no Markdown at all. Here the text is parsed into a few structures only — lines
(bullets or paragraphs), bold runs, citations `[n]` and links (kept as their text) — and every
piece of text is escaped before it is put into HTML, so nothing the model wrote can become markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from paperbrief.render.safe import display_text

_BULLETS = ("- ", "* ", "• ")
# `**bold**` (not opened by `** ` nor closed by ` **`, as in CommonMark), `[text](url)` (one level of
# nested brackets, e.g. `[[3]](#x)`) and `[n]` citations.
_INLINE_RE = re.compile(
    r"\*\*(?P<bold>(?!\s).+?(?<!\s))\*\*"
    r"|\[(?P<link>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?P<url>[^()\s]*)\)"
    r"|\[(?P<cite>\d{1,4})\]"
)
_CITE_ONLY_RE = re.compile(r"^\\?\[(\d{1,4})\\?\]$")
_MARKERS_RE = re.compile(r"\*\*|__")


@dataclass(frozen=True)
class Span:
    """A run of highlight text: plain, bold, or a citation of paper `number` (report numbering)."""

    text: str
    bold: bool = False
    number: int | None = None


@dataclass
class HighlightLine:
    """One line of highlights: a bullet item or a paragraph, as spans."""

    bullet: bool
    spans: list[Span] = field(default_factory=list)


def parse_highlights(text: str | None) -> list[HighlightLine]:
    """The highlights as lines of spans; Markdown markers are consumed, never left in the text."""
    lines: list[HighlightLine] = []
    for raw in display_text(text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        bullet = line[:2] in _BULLETS
        body = line[2:].strip() if bullet else line
        lines.append(HighlightLine(bullet, _spans(body, bold=False)))
    return lines


def _spans(text: str, *, bold: bool) -> list[Span]:
    spans: list[Span] = []
    at = 0
    for match in _INLINE_RE.finditer(text):
        _add_text(spans, text[at : match.start()], bold)
        at = match.end()
        if match.group("bold") is not None:
            spans.extend(_spans(match.group("bold"), bold=True))
        elif match.group("cite") is not None:
            spans.append(Span(f"[{match.group('cite')}]", bold, int(match.group("cite"))))
        else:
            label = match.group("link")
            cited = _CITE_ONLY_RE.match(label.strip())
            if cited:  # `[[3]](#…)`: a citation already turned into a Markdown link
                spans.append(Span(f"[{cited.group(1)}]", bold, int(cited.group(1))))
            else:  # a link the model wrote: its text only, never its (untrusted) target
                spans.extend(_spans(label, bold=bold))
    _add_text(spans, text[at:], bold)
    return spans


def _add_text(spans: list[Span], text: str, bold: bool) -> None:
    text = _MARKERS_RE.sub("", text)  # an unpaired `**` is a marker, not text
    if text:
        spans.append(Span(text, bold))


def highlights_plain(text: str | None) -> str:
    """The highlights as plain text: `- 主题：正文 [8][9]`, one line per item, no Markdown markers."""
    out = []
    for line in parse_highlights(text):
        body = "".join(span.text for span in line.spans)
        out.append(f"- {body}" if line.bullet else body)
    return "\n".join(out)


def highlights_html(
    text: str | None,
    targets: Mapping[int, str],
    *,
    list_style: str | None = None,
    link_style: str | None = None,
) -> Markup:
    """The highlights as HTML: bullets in one `<ul>`, other lines as `<p>`, `[n]` linking to `targets[n]`.

    Every line is `dir="auto"` (a right-to-left sentence lays itself out without reordering its
    neighbours). `list_style`/`link_style` are inline CSS for e-mail, where stylesheets do not reach.
    """
    parts: list[Markup] = []
    items: list[Markup] = []
    ul_style = Markup(' style="{}"').format(list_style) if list_style else Markup("")
    for line in parse_highlights(text):
        inner = Markup("").join(_span_html(span, targets, link_style) for span in line.spans)
        if line.bullet:
            items.append(Markup('<li dir="auto">{}</li>').format(inner))
            continue
        if items:
            parts.append(Markup("<ul{}>{}</ul>").format(ul_style, Markup("").join(items)))
            items = []
        parts.append(Markup('<p dir="auto">{}</p>').format(inner))
    if items:
        parts.append(Markup("<ul{}>{}</ul>").format(ul_style, Markup("").join(items)))
    return Markup("\n").join(parts)


def _span_html(span: Span, targets: Mapping[int, str], link_style: str | None) -> Markup:
    html = escape(span.text)
    if span.number is not None and span.number in targets:
        style = Markup(' style="{}"').format(link_style) if link_style else Markup("")
        html = Markup('<a class="cite" href="{}"{}>{}</a>').format(targets[span.number], style, html)
    return Markup("<strong>{}</strong>").format(html) if span.bold else html
