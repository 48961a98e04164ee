"""What the renderers show of a full-text summary (issue 13), and math as MathML for the site and e-mail.

- the two added fields (实验与关键数字, 局限性), a mark of where the summary came from (full text via
  HTML or PDF, or the abstract only) and the first figure — only for papers read in full
  (`Summary.text_source` set); other papers keep the reference layout;
- `math_html(text)`: `$…$`, `$$…$$`, `\\(…\\)` and `\\[…\\]` turned into MathML with latex2mathml
  (https://github.com/roniemartinez/latex2mathml, MIT; no CDN, no script), everything else escaped.
  The Markdown keeps `$…$` as written.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urljoin

from latex2mathml.converter import convert as _latex_to_mathml
from markupsafe import Markup, escape

from paperbrief.models import Digest, Summary, TextSource
from paperbrief.render import numbers_marks

FIGURES_DIRNAME = "figures"


@dataclass(frozen=True)
class FullTextLabels:
    """The words of the full-text additions in one language."""

    experiments: str
    limitations: str
    source: str
    html: str
    pdf: str
    abstract: str
    figure: str
    colon: str


_LABELS = {
    "zh": FullTextLabels("实验与关键数字", "局限性", "来源", "全文（HTML）", "全文（PDF）", "仅摘要", "首图", "："),
    "en": FullTextLabels(
        "Experiments & key numbers",
        "Limitations",
        "Source",
        "full text (HTML)",
        "full text (PDF)",
        "abstract only",
        "First figure",
        ": ",
    ),
}


def fulltext_labels(language: str) -> FullTextLabels:
    """The labels of `language` (English for anything but Chinese)."""
    return _LABELS.get(language, _LABELS["en"])


def source_mark(summary: Summary | None, language: str) -> str | None:
    """ "来源：全文（HTML）" and the like for a paper read in full (or tried); None for the others."""
    if summary is None or summary.text_source is None:
        return None
    labels = fulltext_labels(language)
    word = {TextSource.HTML: labels.html, TextSource.PDF: labels.pdf, TextSource.ABSTRACT: labels.abstract}
    return f"{labels.source}{labels.colon}{word[summary.text_source]}"


def markdown_block(summary: Summary | None, language: str, escape_markdown: Callable[[str], str]) -> str:
    """The Markdown lines added to a full-text paper's summary ("" for any other paper), escaped by the caller."""
    mark = source_mark(summary, language)
    if summary is None or mark is None:
        return ""
    labels = fulltext_labels(language)
    lines = []
    for label, text in ((labels.experiments, summary.experiments), (labels.limitations, summary.limitations)):
        if text and text.strip():
            # Issue 16: numbers the paper's text does not state are marked on their line (⚠ …).
            flagged = numbers_marks.summary_mark_text(summary, numbers_marks.unsupported_in(summary, text), language)
            lines.append(f"**{label}**{labels.colon}{escape_markdown(text)}{escape_markdown(flagged)}")
    source, _, rest = mark.partition(labels.colon)
    notes = "; ".join(summary.fulltext_notes) if summary.text_source is TextSource.ABSTRACT else ""
    lines.append(f"**{source}**{labels.colon}{rest}" + (f"（{escape_markdown(notes)}）" if notes else ""))
    figure = summary.figure
    if figure is not None:
        caption = escape_markdown(" ".join(figure.caption.split())[:200]) or labels.figure
        lines.append(f"**{labels.figure}**{labels.colon}[{caption}]({figure.path})")
    return "\n\n".join(lines)


# --- figures on the site ---------------------------------------------------------------------------


def copy_figures(digests: Sequence[Digest], out_dir: Path, site_dir: Path) -> list[Path]:
    """Copy the figures the digests show from OUT/figures to SITE/figures (the site links only its own files)."""
    written: list[Path] = []
    for digest in digests:
        for entry in digest.entries:
            figure = entry.summary.figure if entry.summary is not None else None
            if figure is None or not _is_figure_path(figure.path):
                continue
            source = out_dir / figure.path
            target = site_dir / figure.path
            if not source.is_file():
                continue
            if target.is_file() and target.stat().st_size == source.stat().st_size:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
    return written


def figure_file(out_dir: Path, summary: Summary | None) -> Path | None:
    """The saved figure file of a summary, if it is there (for the e-mail's inline attachment)."""
    figure = summary.figure if summary is not None else None
    if figure is None or not _is_figure_path(figure.path):
        return None
    path = out_dir / figure.path
    return path if path.is_file() else None


_FIGURE_PATH_RE = re.compile(r"^figures/[A-Za-z0-9._-]+\.(?:png|jpg|webp)$")


def _is_figure_path(path: str) -> bool:
    """Only our own `figures/NAME.png` paths are shown or copied (a stored digest cannot point elsewhere)."""
    return _FIGURE_PATH_RE.match(path) is not None and ".." not in path


# --- math -------------------------------------------------------------------------------------------

_MATH_RE = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$", re.DOTALL)
# The MathML elements and attributes latex2mathml writes; anything else means the output is not used.
_MATHML_TAGS = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "semantics",
        "annotation",
        "mlabeledtr",
        "merror",
    ]
)
_MATHML_ATTRS = frozenset(
    [
        "xmlns",
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "movablelimits",
        "columnalign",
        "columnlines",
        "rowlines",
        "rowspacing",
        "columnspacing",
        "linethickness",
        "minsize",
        "maxsize",
        "symmetric",
        "largeop",
        "width",
        "height",
        "depth",
        "form",
        "notation",
        "scriptlevel",
        "displaystyle",
        "align",
        "equalrows",
        "equalcolumns",
        "frame",
        "framespacing",
        "class",
        "encoding",
    ]
)
_TAG_RE = re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*)([^>]*)>")
_ATTR_RE = re.compile(r"([A-Za-z_:][\w:.-]*)\s*=")


def math_html(text: str | None) -> Markup:
    """`text` escaped for HTML with its LaTeX math as MathML (a formula that does not convert stays as text)."""
    if not text:
        return Markup("")
    out: list[str] = []
    last = 0
    for match in _MATH_RE.finditer(text):
        display = match.group(1) is not None or match.group(2) is not None
        latex = next(g for g in match.groups() if g is not None)
        mathml = _mathml(latex, display)
        if mathml is None:
            continue  # left as written: escaped with the surrounding text
        out.append(str(escape(text[last : match.start()])))
        out.append(mathml)
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def _mathml(latex: str, display: bool) -> str | None:
    try:
        mathml = _latex_to_mathml(latex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types for malformed input: the text stays as text
        return None
    for tag in _TAG_RE.finditer(mathml):
        if tag.group(1).lower() not in _MATHML_TAGS:
            return None
        if any(a.lower() not in _MATHML_ATTRS for a in _ATTR_RE.findall(tag.group(2))):
            return None
    return mathml


# --- figures in e-mail --------------------------------------------------------------------------------


def inline_figures(digest: Digest, figures_dir: Path | None) -> dict[str, tuple[str, Path]]:
    """Per paper with a saved figure: a Content-ID (without <>) and the file (mail clients block remote images)."""
    if figures_dir is None:
        return {}
    found: dict[str, tuple[str, Path]] = {}
    for entry in digest.entries:
        path = figure_file(figures_dir, entry.summary)
        if path is not None:
            found[entry.paper.arxiv_id] = (make_msgid(idstring="figure")[1:-1], path)
    return found


def attach_figures(message: EmailMessage, figures: dict[str, tuple[str, Path]]) -> None:
    """Attach each figure to the HTML part as an inline related part referenced by `cid:` (RFC 2392)."""
    if not figures:
        return
    html_part = next(p for p in message.iter_parts() if p.get_content_type() == "text/html")
    for cid, path in figures.values():
        subtype = {"png": "png", "jpg": "jpeg", "webp": "webp"}[path.suffix.lstrip(".")]
        html_part.add_related(
            path.read_bytes(),
            maintype="image",
            subtype=subtype,
            cid=f"<{cid}>",
            filename=path.name,
            disposition="inline",
        )


# --- feed ------------------------------------------------------------------------------------------------


def feed_parts(summary: Summary | None, language: str, page_url: str | None) -> list[Markup]:
    """The feed entry's additions: the two fields, the figure (absolute URL on the published site only), the source."""
    mark = source_mark(summary, language)
    if summary is None or mark is None:
        return []
    labels = fulltext_labels(language)
    parts = [
        Markup("<p><strong>{}</strong> {}</p>").format(label, text)
        for label, text in ((labels.experiments, summary.experiments), (labels.limitations, summary.limitations))
        if text
    ]
    figure = summary.figure
    if figure is not None and page_url and _is_figure_path(figure.path):
        src = urljoin(page_url, figure.path)
        parts.append(Markup('<p><img src="{}" alt="{}"></p>').format(src, figure.caption or labels.figure))
    parts.append(Markup("<p>{}</p>").format(mark))
    return parts
