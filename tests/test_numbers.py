"""Numbers a summary states must be in its source (issue 16): extraction, support, re-ask text.

Every expected value below is written by hand from the texts in the test, not computed by the code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from paperbrief.models import Paper, Summary
from paperbrief.summarize.numbers import (
    NumberCheck,
    NumberKind,
    ReaskChoice,
    SourceNumbers,
    SourceScope,
    abstract_source,
    check_numbers,
    extract_numbers,
    find_unsupported,
    find_unsupported_mentions,
    pick_after_reask,
    reask_instruction,
    summary_fields,
)

REFERENCE = Path(__file__).parent / "data" / "reference" / "sample-2026-02-04.json"

# A made-up abstract in the usual style, with numbers in several forms.
ABSTRACT = (
    "FooNet: Fast Retrieval at Scale\n\n"
    "We present FooNet, built on Llama-3-8B and ResNet-50, trained on 1,000 images from COCO-2017 and "
    "2.5 million captions. FooNet reaches 87.3% accuracy versus 83.2% for the strongest baseline and runs "
    "3.5x faster, with a learning rate of $10^{-3}$ and complexity $O(n^2)$. Since 2019, three benchmarks "
    "have dominated; we evaluate on all of them and on 12 further datasets. Code for version 1.5 is released."
)


def unsupported(summary: str, source: str = ABSTRACT) -> list[str]:
    return find_unsupported({"conclusion": summary}, source)


# --- invented numbers are caught ----------------------------------------------------------------


def test_the_issue_example_is_caught_in_full() -> None:
    summary = "FooNet 检索更快。在基准上准确率达到 97.3%，比最强基线高 12.6 个百分点。"
    assert unsupported(summary) == ["97.3%", "12.6 个百分点"]


def test_invented_numbers_in_every_field_are_reported_once_each_in_order() -> None:
    fields = {
        "tldr": "速度快 7 倍，准确率 91.2%。",
        "motivation": "现有方法只有 60.5% 的准确率。",
        "method": "使用 GPT-5 作为教师模型。",
        "conclusion": "准确率 91.2%，训练 300 万步。",
    }
    assert find_unsupported(fields, ABSTRACT) == ["7 倍", "91.2%", "60.5%", "GPT-5", "300 万"]


def test_mentions_say_which_field_and_where() -> None:
    found = find_unsupported_mentions({"tldr": "无数字。", "method": "准确率 97.3%。"}, ABSTRACT)
    assert [(u.field, u.mention.text, u.mention.start, u.mention.end) for u in found] == [("method", "97.3%", 4, 9)]


# --- numbers the source states are never flagged, whatever their form -------------------------


@pytest.mark.parametrize(
    "summary",
    [
        "准确率为 87.3%。",
        "准确率为 87.3 %。",
        "准确率为 87.3 ％。",
        "准确率为８７.３%。",
        "准确率为 87.30%。",
        "accuracy 87.3 percent",
        "准确率为百分之八十七点三。",
        "使用了 1000 张图像。",
        "使用了 1,000 张图像。",
        "使用了 1k 张图像。",
        "使用了 1 thousand 张图像。",
        "使用了一千张图像。",
        "约 250 万条描述。",
        "2.5M captions",
        "2,500,000 captions",
        "速度快 3.5 倍。",
        "速度快 3.5×。",
        "3.5 times faster",
        "学习率为 0.001。",
        "学习率为 1e-3。",
        "学习率为 1 × 10^-3。",
        "复杂度为 $O(n^2)$。",
        "自 2019 年以来。",
        "在 12 个数据集上评测。",
        "基于 Llama-3-8B 和 ResNet-50。",
        "基于 Llama 3 8B。",
        "基于 LLaMA3-8B。",
        "数据来自 COCO 2017。",
        "发布了 v1.5 版本。",
        "三个基准，第 3 节，图 2，表 1。",
    ],
)
def test_supported_forms_are_not_flagged(summary: str) -> None:
    assert unsupported(summary) == []


def test_thousands_suffixes_and_chinese_magnitudes_are_one_value() -> None:
    source = "We train a 7B model on 1.2 billion tokens for 250,000 steps."
    for summary in ("70 亿参数模型", "7 billion parameters", "12 亿 token", "1.2B tokens", "25 万步", "250k steps"):
        assert unsupported(summary, source) == [], summary
    assert unsupported("13 亿 token", source) == ["13 亿"]


def test_multiplier_forms_and_chinese_numerals() -> None:
    source = "Our method is 3x faster and uses threefold less memory; it doubles throughput."
    for summary in ("快 3 倍", "快三倍", "3× faster", "three times faster", "吞吐量提高了一倍", "吞吐量是原来的两倍"):
        assert unsupported(summary, source) == [], summary
    assert unsupported("快 5 倍", source) == ["5 倍"]
    assert unsupported("快五倍", source) == ["五倍"]


def test_chinese_percent_and_fraction_words() -> None:
    source = "The error rate drops by 10%, and one third of the parameters (33.3%) are pruned."
    assert unsupported("错误率降低了百分之十，剪去了三分之一的参数。", source) == []
    assert unsupported("剪去了 1/3 的参数。", source) == []
    assert unsupported("错误率降低了百分之二十。", source) == ["百分之二十"]


def test_ranges_negative_numbers_and_scientific_notation() -> None:
    source = "Gains of 3-5 points; the loss changes by -0.25; we use a step size of 1e-4 and 10–20% dropout."
    assert unsupported("提升 3–5 个百分点，损失变化 0.25，步长 0.0001，dropout 为 10%~20%。", source) == []
    assert unsupported("损失下降 -0.25。", source) == []
    assert unsupported("步长 1e-5。", source) == ["1e-5"]
    assert unsupported("快 3~5 倍，模型规模 20 亿到 30 亿。", "We are 3-5x faster with 2-3B parameters.") == []
    assert unsupported("快 6 倍。", "We are 3-5x faster.") == ["6 倍"]


def test_percent_written_as_a_fraction_in_the_source() -> None:
    assert unsupported("F1 为 91.4%。", "We obtain an F1 of 0.914 on the test set.") == []


def test_percentage_points_are_supported_by_the_bare_number() -> None:
    source = "Our model improves accuracy by 4.1 over the best baseline."
    for summary in ("提升 4.1 个百分点", "+4.1 pp", "4.1 percentage points higher"):
        assert unsupported(summary, source) == [], summary


# --- rounding and derived numbers (decisions in docs/numbers.md) --------------------------------


def test_rounding_to_fewer_decimals_is_supported() -> None:
    assert unsupported("准确率 87%。") == []
    assert unsupported("准确率约 87.3%。") == []


def test_rounding_that_changes_the_claim_is_flagged() -> None:
    assert unsupported("准确率 90%。") == ["90%"]
    assert unsupported("速度快 4 倍。") == ["4 倍"]  # the source says 3.5x


def test_approximate_words_allow_rounding_to_the_last_non_zero_digit() -> None:
    assert unsupported("准确率约 90%。") == []
    assert unsupported("accuracy of about 90%") == []
    assert unsupported("准确率 90% 左右。") == []
    assert unsupported("准确率约 70%。") == ["70%"]


def test_a_difference_the_source_implies_is_supported_only_as_a_difference() -> None:
    # 87.3 − 83.2 = 4.1
    assert unsupported("比最强基线高 4.1 个百分点。") == []
    assert unsupported("+4.1%") == []
    assert unsupported("比最强基线高 5.1 个百分点。") == ["5.1 个百分点"]
    # A bare 4.1 % that is not a difference is not derived.
    assert unsupported("召回率为 4.1%。") == ["4.1%"]


def test_a_ratio_the_source_implies_is_supported_for_a_multiplier() -> None:
    source = "Latency falls from 120 ms to 40 ms."
    assert unsupported("延迟降低为原来的三分之一，快 3 倍。", source) == []
    assert unsupported("快 4 倍。", source) == ["4 倍"]


def test_a_multiplier_restated_as_a_percent_change_and_back() -> None:
    source = "Our method runs 3.5x faster and uses 4x less memory."
    assert unsupported("速度提升 250%，内存降低 75%。", source) == []  # 3.5× = +250 %, 4× less = −75 %
    assert unsupported("速度提升 260%，内存降低 60%。", source) == ["260%", "60%"]
    assert unsupported("吞吐量快 2.5 倍。", "Throughput improves by 150%.") == []


def test_a_realistic_summary_of_a_reference_paper() -> None:
    """2602.04837 (GEA): what a careful model may write, derived numbers included, is all supported."""
    papers = {p["id"]: p for p in json.loads(REFERENCE.read_text(encoding="utf-8"))}
    gea = papers["2602.04837"]
    source = f"{gea['title']}\n\n{gea['abstract']}"
    summary = {
        "tldr": "GEA 在 SWE-bench Verified 上达到 71.0%（此前方法 56.7%），提升 14.3 个百分点，相对提升约 25%。",
        "conclusion": "在 Polyglot 上比自我进化方法高 20 个百分点；平均 1.4 次迭代修复框架级错误，对方需要 5 次。",
    }
    assert find_unsupported(summary, source) == []
    summary["conclusion"] += "在 HumanEval 上达到 92.4%。"
    assert find_unsupported(summary, source) == ["92.4%"]


def test_english_summaries_are_checked_too() -> None:
    source = "Our model reaches 87.3% accuracy, 4.1 points above the baseline, and is twice as fast."
    assert unsupported("It reaches 87.3% accuracy (+4.1 pp) and runs 2x faster.", source) == []
    assert unsupported("It reaches 89.9% accuracy and runs three times faster.", source) == ["89.9%", "three times"]


# --- what is and is not checked -----------------------------------------------------------------


def test_summary_without_numbers() -> None:
    result = check_numbers({"tldr": "提出了一种新方法。", "conclusion": ""}, ABSTRACT)
    assert result == NumberCheck(checked=0)
    assert result.ok


def test_source_without_numbers_flags_every_checked_number_but_no_counts() -> None:
    source = "A Study of Things\n\nWe study things and show that our approach works well."
    summary = {
        "tldr": "提出了两种方法和一个框架，分三个阶段。",
        "conclusion": "准确率达到 95.1%，快 2 倍，使用 GPT-4。",
    }
    result = check_numbers(summary, source)
    assert result.unsupported == ("95.1%", "2 倍", "GPT-4")
    assert result.checked == 3
    assert not result.ok


def test_model_and_dataset_names_are_checked_as_names() -> None:
    source = "We compare GPT-4 with Qwen 2.5 on CIFAR-10 and ImageNet-1k."
    assert unsupported("与 GPT4、Qwen2.5 在 CIFAR10 和 ImageNet-1K 上比较。", source) == []
    assert unsupported("与 GPT-5 比较。", source) == ["GPT-5"]
    assert unsupported("在 CIFAR-100 上评测。", source) == ["CIFAR-100"]


def test_a_name_is_not_found_across_words() -> None:
    """Regression: "F1" must not be found in "of 1" once spaces are ignored."""
    assert unsupported("F1 达到 0.9。", "Scores of 1 and 0.9 are reported.") == ["F1"]


def test_years_versions_references_and_counting_words() -> None:
    source = "Since 2019, two datasets were released (Section 3); we use PyTorch 2.1.0."
    assert unsupported("自 2019 年以来发布了两个数据集，见第 3 节，使用 2.1.0 版本。", source) == []
    assert unsupported("自 2021 年以来。", source) == ["2021"]
    assert unsupported("自二零一九年以来。", source) == []
    assert unsupported("自二零二一年以来。", source) == ["二零二一"]
    assert unsupported("使用 2.2.0 版本。", source) == ["2.2.0"]
    # Counting words and small bare integers are not checked: 三种 / 5 个 come from enumerations.
    assert unsupported("提出了三种策略，分为 5 个阶段，采用第一阶段训练。", source) == []


def test_latex_math_in_the_abstract() -> None:
    source = (
        r"We reduce the cost from $O(n^2)$ to $O(n \log n)$ with tolerance $10^{-3}$ and $2.5 \times 10^{4}$ steps."
    )
    assert unsupported("复杂度从 O(n^2) 降至 O(n log n)，容差 0.001，训练 25,000 步。", source) == []
    assert unsupported("容差 1e-3，训练 2.5 万步。", source) == []
    assert unsupported("容差 1e-4。", source) == ["1e-4"]
    spaced = r"Accuracy rises to 87.3\,\% and the model runs $2.5\times$ faster on 1.2\,million images."
    assert unsupported("准确率 87.3%，快 2.5 倍，120 万张图像。", spaced) == []


def test_scale_words_are_not_checked() -> None:
    source = "A graph foundation model with billions of parameters."
    assert unsupported("构建十亿参数规模的模型，处理数百万节点。", source) == []


# --- extraction ---------------------------------------------------------------------------------


def _kinds(text: str) -> list[tuple[str, NumberKind, list[Decimal]]]:
    return [(m.text, m.kind, list(m.values)) for m in extract_numbers(text)]


def test_extract_kinds_and_values() -> None:
    assert _kinds("准确率 87.3%，高 4.1 个百分点，快 3×，1,000 张图，2.5M 条，250万，2019年，GPT-4，第3节") == [
        ("87.3%", NumberKind.PERCENT, [Decimal("87.3")]),
        ("4.1 个百分点", NumberKind.POINTS, [Decimal("4.1")]),
        ("3×", NumberKind.MULTIPLIER, [Decimal(3)]),
        ("1,000", NumberKind.PLAIN, [Decimal(1000)]),
        ("2.5M", NumberKind.PLAIN, [Decimal(2500000)]),
        ("250万", NumberKind.PLAIN, [Decimal(2500000)]),
        ("2019", NumberKind.YEAR, [Decimal(2019)]),
        ("GPT-4", NumberKind.IDENTIFIER, []),
        ("3", NumberKind.REFERENCE, [Decimal(3)]),
    ]


def test_extract_chinese_numerals() -> None:
    assert _kinds("二十五个，一亿二千万，百分之十，三分之一，三倍，两种，十亿") == [
        ("二十五", NumberKind.PLAIN, [Decimal(25)]),
        ("一亿二千万", NumberKind.PLAIN, [Decimal(120000000)]),
        ("百分之十", NumberKind.PERCENT, [Decimal(10)]),
        ("三分之一", NumberKind.FRACTION, [Decimal(1) / Decimal(3)]),
        ("三倍", NumberKind.MULTIPLIER, [Decimal(3)]),
        ("两", NumberKind.COUNT, [Decimal(2)]),
        ("十亿", NumberKind.SCALE, [Decimal(1000000000)]),
    ]


def test_extract_marks_differences_and_approximations() -> None:
    first, second, third = extract_numbers("约 90%，比基线高 4.1，+2.0")
    assert (first.text, first.approximate, first.change) == ("90%", True, False)
    assert (second.text, second.approximate, second.change) == ("4.1", False, True)
    assert (third.text, third.change) == ("+2.0", True)


def test_extract_keeps_the_text_as_written_with_fullwidth_digits() -> None:
    (mention,) = extract_numbers("提升到９７．３％")
    assert (mention.text, mention.values) == ("９７．３％", (Decimal("97.3"),))


def test_source_index_can_be_reused() -> None:
    index = SourceNumbers.from_text(ABSTRACT)
    assert check_numbers({"tldr": "87.3%"}, index).ok
    assert check_numbers({"tldr": "88.3%"}, index).unsupported == ("88.3%",)


# --- the reference day ----------------------------------------------------------------------------


def test_reference_summaries_state_no_number_their_abstract_lacks() -> None:
    """The reference report's 30 summaries, replayed: all 14 checked numbers are in the abstracts."""
    papers = json.loads(REFERENCE.read_text(encoding="utf-8"))
    checked = 0
    for paper in papers:
        fields = {k: paper["seed_output"][k] for k in ("tldr", "motivation", "method", "conclusion")}
        result = check_numbers(fields, f"{paper['title']}\n\n{paper['abstract']}")
        assert result.unsupported == (), paper["id"]
        checked += result.checked
    assert checked == 14


def test_summary_and_paper_helpers() -> None:
    paper = Paper(arxiv_id="2602.00001", title="Fast 3D Things", abstract="We reach 91.5% accuracy.")
    summary = Summary(arxiv_id="2602.00001", tldr="3D 方法准确率 91.5%。", conclusion="快 2 倍。", keywords=["99%"])
    assert abstract_source(paper) == "Fast 3D Things\n\nWe reach 91.5% accuracy."
    assert summary_fields(summary) == {
        "tldr": "3D 方法准确率 91.5%。",
        "motivation": None,
        "method": None,
        "conclusion": "快 2 倍。",
    }
    assert find_unsupported(summary_fields(summary), abstract_source(paper)) == ["2 倍"]


def test_every_reference_abstract_supports_its_own_numbers() -> None:
    papers = json.loads(REFERENCE.read_text(encoding="utf-8"))
    for paper in papers:
        source = f"{paper['title']}\n\n{paper['abstract']}"
        assert find_unsupported({"abstract": source}, source) == [], paper["id"]


# --- re-ask building blocks -----------------------------------------------------------------------


def test_reask_instruction_names_the_numbers_in_one_line() -> None:
    zh = reask_instruction(["97.3%", "12.6 个百分点"], "zh")
    assert "“97.3%”、“12.6 个百分点”" in zh and "论文标题和摘要" in zh and "\n" not in zh
    en = reask_instruction(["97.3%"], "en", SourceScope.FULL_TEXT)
    assert '"97.3%"' in en and "full text" in en and "\n" not in en
    with pytest.raises(ValueError, match="at least one"):
        reask_instruction([], "zh")


def test_pick_after_reask() -> None:
    bad = NumberCheck(checked=2, unsupported=("97.3%", "12.6"))
    one = NumberCheck(checked=2, unsupported=("97.3%",))
    clean = NumberCheck(checked=1)
    assert pick_after_reask(bad, clean) is ReaskChoice.SECOND
    assert pick_after_reask(bad, one) is ReaskChoice.SECOND
    assert pick_after_reask(one, bad) is ReaskChoice.FIRST
    assert pick_after_reask(bad, None) is ReaskChoice.FIRST
