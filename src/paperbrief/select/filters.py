"""Include/exclude terms, category and author filters over a day's papers.

Term syntax (docs/selection.md): a plain word matches that whole word only (`ai` never matches
"training"), `token*` also matches words that start with it ("tokens", "tokenizer"), several words
or a `"quoted phrase"` match the words in sequence (separated by spaces or hyphens), and `re:PATTERN`
is a case-insensitive Python regular expression (https://docs.python.org/3/library/re.html).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from paperbrief.models import Paper, in_category


class FilterSyntaxError(ValueError):
    """A filter term or field name is invalid; the message names it."""


class Field(StrEnum):
    """Paper fields that include/exclude terms can be matched against."""

    TITLE = "title"
    ABSTRACT = "abstract"
    AUTHORS = "authors"
    COMMENT = "comment"


DEFAULT_FIELDS: tuple[Field, ...] = (Field.TITLE, Field.ABSTRACT)

# Lookarounds rather than \b, so terms that start or end with a symbol ("C++", ".NET") still work.
_WORD_START = r"(?<!\w)"
_WORD_END = r"(?!\w)"
# Words of a phrase may be split by whitespace (abstracts wrap lines) or hyphens ("self-supervised").
_PHRASE_GAP = r"[\s\-‐‑–]+"


@dataclass(frozen=True)
class Term:
    """One compiled include/exclude term; `text` is what the user wrote."""

    text: str
    pattern: re.Pattern[str]

    def search(self, text: str) -> bool:
        """Whether the term occurs in `text`."""
        return self.pattern.search(text) is not None


def compile_term(raw: str) -> Term:
    """Compile one term (`word`, `word*`, `"a phrase"`, `several words`, `re:PATTERN`)."""
    text = raw.strip()
    if not text:
        raise FilterSyntaxError("empty filter term")
    if text.startswith("re:"):
        source = text[3:]
        if not source:
            raise FilterSyntaxError(f"empty regular expression in filter term {raw!r}")
        try:
            return Term(text, re.compile(source, re.IGNORECASE))
        except re.error as exc:
            raise FilterSyntaxError(f"invalid regular expression in filter term {raw!r}: {exc}") from exc
    body = text
    if len(body) >= 2 and body[0] == body[-1] and body[0] in "\"'":
        body = body[1:-1].strip()
    prefix = body.endswith("*")
    body = body.rstrip("*").strip()
    if not body:
        raise FilterSyntaxError(f"filter term {raw!r} has no words")
    if "*" in body:
        raise FilterSyntaxError(f"filter term {raw!r}: '*' is only allowed at the end of a term")
    words = body.split()
    core = _PHRASE_GAP.join(re.escape(w) for w in words)
    # `token*` matches "token", "tokens", "tokenizer"; a plain `token` only the word itself.
    end = r"\w*" + _WORD_END if prefix else _WORD_END
    start = _WORD_START if re.match(r"\w", words[0]) else ""
    if not prefix and not re.search(r"\w$", words[-1]):
        end = ""
    return Term(text, re.compile(start + core + end, re.IGNORECASE))


def compile_terms(raws: Sequence[str]) -> list[Term]:
    """Compile a list of terms, failing on the first invalid one (at load time, not mid-run)."""
    return [compile_term(raw) for raw in raws]


def parse_fields(names: Sequence[str]) -> tuple[Field, ...]:
    """Validate field names (title, abstract, authors, comment)."""
    out: list[Field] = []
    for name in names:
        try:
            field = Field(name.strip().lower())
        except ValueError:
            allowed = ", ".join(f.value for f in Field)
            raise FilterSyntaxError(f"unknown filter field {name!r}: expected one of {allowed}") from None
        if field not in out:
            out.append(field)
    if not out:
        raise FilterSyntaxError("no filter fields given")
    return tuple(out)


def field_text(paper: Paper, field: Field) -> str:
    """The text of one field of a paper (authors joined by commas)."""
    if field is Field.TITLE:
        return paper.title
    if field is Field.ABSTRACT:
        return paper.abstract
    if field is Field.AUTHORS:
        return ", ".join(paper.authors)
    return paper.comment or ""


def matching_terms(paper: Paper, terms: Sequence[Term], fields: Sequence[Field]) -> list[tuple[str, Field]]:
    """Each term that occurs in the paper, with the first field it occurs in."""
    found: list[tuple[str, Field]] = []
    texts = [(f, field_text(paper, f)) for f in fields]
    for term in terms:
        for field, text in texts:
            if text and term.search(text):
                found.append((term.text, field))
                break
    return found


class CategoryVerdict(StrEnum):
    """How a paper relates to the configured categories."""

    PRIMARY = "primary"
    CROSS = "cross"
    OUTSIDE = "outside"


def category_verdict(paper: Paper, categories: Sequence[str]) -> CategoryVerdict:
    """Primary in the configured categories, only cross-listed into one, or outside them all."""
    if not categories:
        return CategoryVerdict.PRIMARY
    # A configured archive (`cs`) covers its subject classes, as in the arXiv source.
    if any(in_category([paper.primary], wanted) for wanted in categories):
        return CategoryVerdict.PRIMARY
    if any(in_category(paper.categories, wanted) for wanted in categories):
        return CategoryVerdict.CROSS
    return CategoryVerdict.OUTSIDE


# --- author watch list ----------------------------------------------------------------------

# Letters that NFKD does not decompose into base letter + accent.
_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "þ": "th",
    }
)


def fold_name(name: str) -> str:
    """Lower-case ASCII-ish form of a name: accents stripped, punctuation turned into spaces."""
    text = unicodedata.normalize("NFKD", name.translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


@dataclass(frozen=True)
class AuthorPattern:
    """A watched author: family name plus optional given names (full or initials)."""

    text: str
    family: str
    given: tuple[str, ...]

    def matches(self, author: str) -> bool:
        """Same family name, and the first given names agree (equal, or one is the other's initial)."""
        other = parse_author(author)
        if other.family != self.family:
            return False
        if not self.given or not other.given:
            return True
        return _given_compatible(self.given[0], other.given[0])


def _given_compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return False


def parse_author(raw: str) -> AuthorPattern:
    """Parse `Yann LeCun`, `Y. LeCun`, `LeCun, Yann` or `LeCun` into a pattern."""
    text = raw.strip()
    if "," in text:
        family_part, _, given_part = text.partition(",")
        family_tokens = fold_name(family_part).split()
        given_tokens = fold_name(given_part).split()
        if not family_tokens:
            raise FilterSyntaxError(f"author {raw!r} has no family name")
        # "Hernández-Orallo, José" and "van der Maaten, L." key on the last family word, as below.
        return AuthorPattern(text, family_tokens[-1], tuple(given_tokens))
    tokens = fold_name(text).split()
    if not tokens:
        raise FilterSyntaxError(f"empty author name {raw!r}")
    # "Y.LeCun" folds to "y lecun"; the last token is the family name.
    return AuthorPattern(text, tokens[-1], tuple(tokens[:-1]))


def compile_authors(raws: Sequence[str]) -> list[AuthorPattern]:
    """Compile the author watch list."""
    return [parse_author(raw) for raw in raws if raw.strip()]


def watched_authors(paper: Paper, patterns: Sequence[AuthorPattern]) -> list[str]:
    """The paper's authors (as printed on the paper) who are on the watch list."""
    found: list[str] = []
    for author in paper.authors:
        if any(p.matches(author) for p in patterns) and author not in found:
            found.append(author)
    return found
