"""The extractive summarizer over the 30 reference abstracts."""

from __future__ import annotations

import pytest

from fakes.reference import reference_rows
from paperbrief.models import Paper, Summary, SummaryStatus
from paperbrief.summarize.base import Scoring, Summarizer, Usage
from paperbrief.summarize.extractive import ExtractiveSummarizer, split_sentences

FIELDS = ("tldr", "motivation", "method", "conclusion")


def _papers() -> list[Paper]:
    rows = reference_rows()
    return [
        Paper(
            arxiv_id=r["id"],
            version=r["version"],
            title=r["title"],
            abstract=r["abstract"],
            authors=r["authors"],
            categories=r["categories"],
        )
        for r in rows
    ]


@pytest.fixture(scope="module")
def summaries() -> list[tuple[Paper, Summary]]:
    papers = _papers()
    return list(zip(papers, ExtractiveSummarizer().summarize(papers).summaries, strict=True))


def test_implements_summarizer_protocol() -> None:
    summarizer: Summarizer = ExtractiveSummarizer(language="en")
    assert (summarizer.backend, summarizer.model, summarizer.language) == ("extractive", "extractive", "en")
    assert summarizer.prompt_version.startswith("extractive-")
    assert summarizer.scoring is Scoring.NONE
    assert summarizer.highlights([]) is None  # no model reads the day: no highlights


def test_result_carries_zero_known_usage(summaries: list[tuple[Paper, Summary]]) -> None:
    papers = [p for p, _ in summaries][:3]
    result = ExtractiveSummarizer().summarize(papers)
    assert [s.arxiv_id for s in result.summaries] == [p.arxiv_id for p in papers]
    assert result.usage == Usage(calls=0, tokens_in=0, tokens_out=0, cost=0.0, priced=True) and result.notes == []


def test_deterministic(summaries: list[tuple[Paper, Summary]]) -> None:
    again = ExtractiveSummarizer().summarize([p for p, _ in summaries]).summaries
    assert [s.model_dump() for s in again] == [s.model_dump() for _, s in summaries]


def test_every_field_is_a_sentence_of_the_abstract(summaries: list[tuple[Paper, Summary]]) -> None:
    for paper, summary in summaries:
        sentences = split_sentences(paper.abstract)
        for name in FIELDS:
            value = getattr(summary, name)
            assert value is not None, (paper.arxiv_id, name)
            assert value in sentences and value in paper.abstract, (paper.arxiv_id, name)


def test_status_and_no_score(summaries: list[tuple[Paper, Summary]]) -> None:
    for paper, summary in summaries:
        assert summary.status == SummaryStatus.EXTRACTIVE
        assert summary.score is None and summary.score_reason is None and summary.error is None
        assert (summary.arxiv_id, summary.version) == (paper.arxiv_id, paper.version)
        assert summary.backend == "extractive"


def test_keywords_come_from_the_text(summaries: list[tuple[Paper, Summary]]) -> None:
    for paper, summary in summaries:
        text = " ".join(f"{paper.title} {paper.abstract}".split()).lower()
        assert 5 <= len(summary.keywords) <= 10, (paper.arxiv_id, summary.keywords)
        lowered = [k.lower() for k in summary.keywords]
        assert len(set(lowered)) == len(lowered), summary.keywords
        for keyword in lowered:
            assert keyword in text, (paper.arxiv_id, keyword)


def test_fields_differ_when_the_abstract_has_four_sentences(summaries: list[tuple[Paper, Summary]]) -> None:
    checked = 0
    for paper, summary in summaries:
        if len(split_sentences(paper.abstract)) >= 4:
            checked += 1
            values = [getattr(summary, name) for name in FIELDS]
            assert len(set(values)) == len(values), paper.arxiv_id
    assert checked >= 25


def test_tldr_prefers_the_contribution_sentence(summaries: list[tuple[Paper, Summary]]) -> None:
    by_id = {p.arxiv_id: s for p, s in summaries}
    assert by_id["2602.04837"].tldr is not None and by_id["2602.04837"].tldr.startswith("We introduce Group-Evolving")
    lits = "This paper introduces LitS, a novel neighborhood descriptor for 2D and 3D point clouds."
    assert by_id["2602.04838"].tldr == lits


def test_sentence_splitting_keeps_abbreviations_and_decimals() -> None:
    text = (
        "Prior work (e.g., memory, planning) fails. Ours reaches 71.0% vs. 56.7% on SWE-bench, "
        "as Smith et al. noted in Fig. 3. It runs 1.4 times faster! Does it generalize? Yes."
    )
    assert split_sentences(text) == [
        "Prior work (e.g., memory, planning) fails.",
        "Ours reaches 71.0% vs. 56.7% on SWE-bench, as Smith et al. noted in Fig. 3.",
        "It runs 1.4 times faster!",
        "Does it generalize?",
        "Yes.",
    ]
    assert split_sentences("The U.S. data has size N. We fit it.") == ["The U.S. data has size N.", "We fit it."]
    assert split_sentences("") == []
    assert split_sentences("No final period") == ["No final period"]


def test_empty_abstract_of_withdrawn_paper() -> None:
    seen: list[Summary] = []
    paper = Paper(arxiv_id="2602.09999", version=2, title="Withdrawn", abstract="   ")
    [summary] = ExtractiveSummarizer().summarize([paper], on_result=seen.append).summaries
    assert seen == [summary]
    assert summary.status == SummaryStatus.EXTRACTIVE
    assert all(getattr(summary, name) is None for name in FIELDS)
    assert summary.keywords == [] and summary.score is None
    assert summary.error and "empty abstract" in summary.error
    assert summary.version == 2


def test_short_abstract_leaves_unfilled_fields_empty() -> None:
    paper = Paper(arxiv_id="2602.09998", title="Tiny", abstract="We propose a tiny method. It works well.")
    summary = ExtractiveSummarizer().summarize_one(paper)
    filled = [getattr(summary, name) for name in FIELDS if getattr(summary, name) is not None]
    assert summary.tldr == "We propose a tiny method."
    assert sorted(filled) == sorted(["We propose a tiny method.", "It works well."])


def test_keyword_count_is_configurable() -> None:
    paper = _papers()[0]
    assert len(ExtractiveSummarizer(keywords=5).summarize_one(paper).keywords) == 5
    with pytest.raises(ValueError):
        ExtractiveSummarizer(keywords=0)


def test_worker_processes_give_the_same_summaries_in_order() -> None:
    papers = [p.model_copy(update={"arxiv_id": f"2602.{20000 + i:05d}"}) for i in range(8) for p in _papers()]
    seen: list[str] = []
    parallel = ExtractiveSummarizer(workers=2).summarize(papers, on_result=lambda s: seen.append(s.arxiv_id)).summaries
    serial = ExtractiveSummarizer().summarize(papers).summaries
    assert [s.model_dump() for s in parallel] == [s.model_dump() for s in serial]
    assert seen == [p.arxiv_id for p in papers]
