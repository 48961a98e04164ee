"""Include/exclude terms, fields and the author watch list (docs/selection.md)."""

from __future__ import annotations

import pytest

from paperbrief.models import Paper
from paperbrief.select.filters import (
    Field,
    FilterSyntaxError,
    category_verdict,
    compile_authors,
    compile_term,
    fold_name,
    matching_terms,
    parse_author,
    parse_fields,
    watched_authors,
)


def _paper(**kw: object) -> Paper:
    base: dict[str, object] = {"arxiv_id": "2602.00001", "title": "A title", "abstract": ""}
    base.update(kw)
    return Paper.model_validate(base)


@pytest.mark.parametrize("text", ["Efficient training of transformers", "domain adaptation", "Said the AIR"])
def test_substring_ai_does_not_match_inside_words(text: str) -> None:
    """The reference's substring filter matched `ai` inside "training" and "domain"; ours must not."""
    assert not compile_term("ai").search(text)


@pytest.mark.parametrize("text", ["AI agents", "trustworthy ai.", "AI-based planning", "(AI)", "Gen-AI"])
def test_ai_matches_the_word_case_insensitively(text: str) -> None:
    assert compile_term("ai").search(text)


def test_exact_token_excludes_token_but_not_tokenizer() -> None:
    term = compile_term("token")
    assert term.search("each token of the sequence")
    assert term.search("Token-level rewards")
    assert not term.search("a tokenizer-free model")
    assert not term.search("tokens and tokenization")


def test_prefix_token_star_opts_into_word_forms() -> None:
    term = compile_term("token*")
    for text in ("token", "tokens", "a tokenizer-free model", "Tokenization matters"):
        assert term.search(text), text
    assert not term.search("detokenize")  # still anchored at a word start


def test_quoted_and_unquoted_phrases_match_words_in_sequence() -> None:
    for raw in ('"reinforcement learning"', "reinforcement learning"):
        term = compile_term(raw)
        assert term.search("Deep Reinforcement Learning for control")
        assert term.search("reinforcement-learning agents")
        assert term.search("reinforcement\n learning")  # abstracts wrap lines
        assert not term.search("learning reinforcement")
        assert not term.search("reinforcement of learning")


def test_symbol_terms_keep_their_symbols() -> None:
    assert compile_term("C++").search("a C++ library")
    assert not compile_term("C++").search("a C library")
    assert compile_term("GPT-4").search("we use GPT-4 as judge")
    assert not compile_term("GPT-4").search("GPT-40")


def test_regex_terms() -> None:
    term = compile_term(r"re:\bLLMs?\b")
    assert term.search("an llm judge")
    assert term.search("LLMs agree")
    assert not term.search("LLMOps")
    assert compile_term(r"re:vision[- ]language").search("Vision-Language models")


@pytest.mark.parametrize("raw", ["re:(unclosed", "re:", "", "  ", "*", "to*ken"])
def test_invalid_terms_fail_at_load_time_with_the_term_named(raw: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        compile_term(raw)
    assert "\n" not in str(info.value)
    if raw.strip():
        assert raw.strip() in str(info.value)


def test_fields_are_selectable() -> None:
    paper = _paper(
        title="Robust planning",
        abstract="We use diffusion.",
        authors=["Ada Diffusion"],
        comment="Code at github; diffusion appendix",
    )
    term = [compile_term("diffusion")]
    assert matching_terms(paper, term, [Field.TITLE]) == []
    assert matching_terms(paper, term, [Field.TITLE, Field.ABSTRACT]) == [("diffusion", Field.ABSTRACT)]
    assert matching_terms(paper, term, [Field.AUTHORS]) == [("diffusion", Field.AUTHORS)]
    assert matching_terms(paper, term, [Field.COMMENT]) == [("diffusion", Field.COMMENT)]


def test_unknown_field_is_a_typed_error() -> None:
    assert parse_fields(["Title", "comment", "title"]) == (Field.TITLE, Field.COMMENT)
    with pytest.raises(FilterSyntaxError, match="unknown filter field 'body'"):
        parse_fields(["title", "body"])


def test_category_verdict_primary_cross_outside() -> None:
    cats = ["cs.AI", "cs.LG"]
    assert category_verdict(_paper(categories=["cs.LG", "stat.ML"]), cats).value == "primary"
    assert category_verdict(_paper(categories=["cs.RO", "cs.LG"], primary_category="cs.RO"), cats).value == "cross"
    assert category_verdict(_paper(categories=["math.ST"]), cats).value == "outside"


@pytest.mark.parametrize(
    ("watch", "author", "expected"),
    [
        ("Y. LeCun", "Yann LeCun", True),
        ("Yann LeCun", "Y. LeCun", True),
        ("LeCun, Yann", "Yann LeCun", True),
        ("lecun", "Yann LeCun", True),
        ("Yann LeCun", "Yann A. LeCun", True),
        ("Jose Hernandez-Orallo", "José Hernández-Orallo", True),
        ("Hernández-Orallo, J.", "Jose Hernandez-Orallo", True),
        ("Łukasz Kaiser", "Lukasz Kaiser", True),
        ("Y. LeCun", "Xavier LeCun", False),
        ("Yann LeCun", "Yannick LeCun", False),
        ("Yann LeCun", "Yann Dauphin", False),
    ],
)
def test_author_names_match_across_case_accents_and_initials(watch: str, author: str, expected: bool) -> None:
    assert parse_author(watch).matches(author) is expected


def test_watched_authors_lists_the_papers_spelling() -> None:
    paper = _paper(authors=["Zhen Zhang", "José Hernández-Orallo", "Yann LeCun"])
    found = watched_authors(paper, compile_authors(["y lecun", "J. Hernandez-Orallo", "Nobody Here"]))
    assert found == ["José Hernández-Orallo", "Yann LeCun"]


def test_fold_name() -> None:
    assert fold_name("  Zoë  D'Souza-Ñúñez ") == "zoe d souza nunez"
