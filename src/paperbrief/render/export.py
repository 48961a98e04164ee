"""Papers as BibTeX, RIS or CSL-JSON for Zotero, JabRef and friends (`paperbrief export`).

- BibTeX: arXiv's own eprint fields (`eprint`, `archivePrefix = {arXiv}`, `primaryClass`),
  https://info.arxiv.org/help/faq/references.html and biblatex's `eprint` field; UTF-8 names.
- RIS: https://en.wikipedia.org/wiki/RIS_(file_format) tags, one `TAG  - value` per line.
- CSL-JSON: https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html variables.

Citation keys are stable for a paper whatever else is exported: `<family><year><word>_<arXiv id>`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from paperbrief.models import Paper


class ExportFormat(StrEnum):
    """The formats `paperbrief export --format` writes."""

    BIBTEX = "bibtex"
    RIS = "ris"
    CSLJSON = "csljson"


_STOP_TITLE = frozenset({"a", "an", "the", "on", "of", "for", "to", "in", "and", "with", "towards", "toward"})
_MATH_RE = re.compile(r"(?<!\\)\$[^$]*(?<!\\)\$")
_SPECIAL_RE = re.compile(r"(?<!\\)([&%#_])")
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "le", "la", "du", "dos", "ter"})


@dataclass(frozen=True)
class Name:
    """A person's name split for citation formats; `literal` when it cannot be split (e.g. 李雷)."""

    family: str
    given: str = ""
    literal: bool = False


def split_name(name: str) -> Name:
    """`Xin Eric Wang` → (Wang, Xin Eric); `Ludwig van Beethoven` → (van Beethoven, Ludwig); `Wang, Xin` too."""
    text = " ".join(name.split())
    if "," in text:
        family, _, given = text.partition(",")
        return Name(family.strip(), given.strip())
    parts = text.split(" ")
    if len(parts) == 1:
        return Name(text, "", literal=True)
    start = len(parts) - 1
    while start > 1 and parts[start - 1].lower() in _PARTICLES:
        start -= 1
    return Name(" ".join(parts[start:]), " ".join(parts[:start]))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def year_of(paper: Paper) -> int | None:
    """Year of first publication: the `published` date, else the new-style id's YYMM, else the announcement."""
    if paper.published is not None:
        return paper.published.year
    match = re.match(r"^(\d{2})(\d{2})\.", paper.arxiv_id)
    if match:
        return 2000 + int(match.group(1))
    return paper.announced.year if paper.announced else None


def citation_key(paper: Paper) -> str:
    """`weng2026group_2602.04837`: stable for the paper (the arXiv id makes it unique)."""
    family = _ascii(split_name(paper.authors[0]).family) if paper.authors else ""
    words = [_ascii(w) for w in re.split(r"[\s\-:]+", paper.title)]
    word = next((w for w in words if w and w not in _STOP_TITLE), "")
    year = year_of(paper)
    ident = paper.arxiv_id.replace("/", "_")
    return f"{family or 'arxiv'}{year or ''}{word}_{ident}"


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"\\[{}]", "", text):
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def bibtex_escape(text: str) -> str:
    """Escape `& % # _` outside `$…$` math (arXiv metadata is TeX already), and braces when they do not pair."""
    text = " ".join(text.split())
    if not _balanced(text):
        text = re.sub(r"(?<!\\)([{}])", r"\\\1", text)
    out: list[str] = []
    last = 0
    for match in _MATH_RE.finditer(text):
        out.append(_SPECIAL_RE.sub(r"\\\1", text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_SPECIAL_RE.sub(r"\\\1", text[last:]))
    return "".join(out)


def _bib_name(name: str) -> str:
    parsed = split_name(name)
    if parsed.literal:
        return "{" + bibtex_escape(parsed.family) + "}"
    return f"{bibtex_escape(parsed.family)}, {bibtex_escape(parsed.given)}"


def _bibtex_entry(paper: Paper) -> str:
    kind = "article" if paper.journal_ref else "misc"
    fields: list[tuple[str, str]] = [
        ("title", bibtex_escape(paper.title)),
        ("author", " and ".join(_bib_name(a) for a in paper.authors)),
    ]
    year = year_of(paper)
    if year is not None:
        fields.append(("year", str(year)))
    if paper.published is not None:
        fields.append(("month", str(paper.published.month)))
    if paper.journal_ref:
        fields.append(("journal", bibtex_escape(paper.journal_ref)))
    if paper.doi:
        fields.append(("doi", paper.doi))
    fields += [
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary),
        ("url", f"https://arxiv.org/abs/{paper.arxiv_id}"),
    ]
    if paper.abstract:
        fields.append(("abstract", bibtex_escape(paper.abstract)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{citation_key(paper)},\n{body}\n}}\n"


def to_bibtex(papers: Sequence[Paper]) -> str:
    """BibTeX entries, one per paper, in the given order."""
    return "\n".join(_bibtex_entry(p) for p in papers)


def _ris_record(paper: Paper) -> list[str]:
    lines = [("TY", "JOUR" if paper.journal_ref else "UNPB"), ("ID", citation_key(paper)), ("TI", _flat(paper.title))]
    lines += [("AU", _ris_name(a)) for a in paper.authors]
    year = year_of(paper)
    if year is not None:
        lines.append(("PY", str(year)))
    if paper.published is not None:
        lines.append(("DA", paper.published.strftime("%Y/%m/%d")))
    if paper.journal_ref:
        lines.append(("JO", _flat(paper.journal_ref)))
    if paper.doi:
        lines.append(("DO", paper.doi))
    lines += [("AN", f"arXiv:{paper.arxiv_id}"), ("DB", "arXiv"), ("UR", f"https://arxiv.org/abs/{paper.arxiv_id}")]
    lines += [("KW", c) for c in paper.categories or [paper.primary]]
    if paper.abstract:
        lines.append(("AB", _flat(paper.abstract)))
    lines.append(("ER", ""))
    return [f"{tag}  - {value}" for tag, value in lines]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _ris_name(name: str) -> str:
    parsed = split_name(name)
    return parsed.family if parsed.literal else f"{parsed.family}, {parsed.given}"


def to_ris(papers: Sequence[Paper]) -> str:
    """RIS records, one per paper, blank line between records."""
    return "\n\n".join("\n".join(_ris_record(p)) for p in papers) + ("\n" if papers else "")


def _csl_name(name: str) -> dict[str, str]:
    parsed = split_name(name)
    return {"literal": parsed.family} if parsed.literal else {"family": parsed.family, "given": parsed.given}


def _csl_item(paper: Paper) -> dict[str, object]:
    item: dict[str, object] = {
        "id": citation_key(paper),
        "type": "article-journal" if paper.journal_ref else "article",
        "title": _flat(paper.title),
        "author": [_csl_name(a) for a in paper.authors],
    }
    if paper.published is not None:
        item["issued"] = {"date-parts": [[paper.published.year, paper.published.month, paper.published.day]]}
    elif (year := year_of(paper)) is not None:
        item["issued"] = {"date-parts": [[year]]}
    if paper.journal_ref:
        item["container-title"] = _flat(paper.journal_ref)
    if paper.doi:
        item["DOI"] = paper.doi
    item.update(
        {
            "publisher": "arXiv",
            "number": f"arXiv:{paper.arxiv_id}",
            "archive": "arXiv",
            "archive_location": paper.primary,
            "URL": f"https://arxiv.org/abs/{paper.arxiv_id}",
            "keyword": ", ".join(paper.categories or [paper.primary]),
        }
    )
    if paper.abstract:
        item["abstract"] = _flat(paper.abstract)
    return item


def to_csljson(papers: Sequence[Paper]) -> str:
    """A CSL-JSON array, UTF-8 unescaped."""
    return json.dumps([_csl_item(p) for p in papers], ensure_ascii=False, indent=2) + "\n"


def export_papers(papers: Sequence[Paper], fmt: ExportFormat | str) -> str:
    """The papers in `fmt`."""
    writers = {ExportFormat.BIBTEX: to_bibtex, ExportFormat.RIS: to_ris, ExportFormat.CSLJSON: to_csljson}
    return writers[ExportFormat(fmt)](papers)
