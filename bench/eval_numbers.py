"""Evaluate the number check of issue 16 (`paperbrief.summarize.numbers`): both kinds of error, and speed.

    python bench/eval_numbers.py            # everything below; exit code 1 on FAIL
    python bench/eval_numbers.py --rounds 5 # fewer synthetic rounds

(a) Reference day: the reference report's own 30 summaries (tests/data/reference/arxiv-daily-2026-02-04.md)
    replayed against their titles + abstracts: numbers checked, numbers unsupported, each one listed
    with the hand label from `HAND_LABELS` (a flagged number without a label is printed as UNLABELLED).
(b) Synthetic: in each round half of the 30 summaries (seeded) get an invented sentence in the style
    of the issue ("在基准上准确率达到 97.3%，比最强基线高 12.6 个百分点"); recall = invented numbers
    flagged / invented; false alarms = flagged numbers that are not invented and not a true
    invention of the reference itself.
(c) Restated real numbers: every checked number of the 1,504 real abstracts of the recorded
    2024-11-28 announcement (tests/data/fixtures/rss) restated in a Chinese sentence in another
    form (87.3 % → "87.3%", 12000 → "12,000" or "1.2万", 3× → "3倍", 2019 → "2019年"); each is
    stated by its abstract, so every flag is a false alarm. Also each abstract checked against itself.
(d) Speed: the check over all (c) restatements vs. a baseline measured in the same run (one
    `re.findall` of digit runs over the same texts, as naive a check as there is); best of 3 each.

PASS/FAIL bounds: (a) no false alarm among the labelled flags, (b) recall ≥ 0.95 and false-alarm
rate 0, (c) false-alarm rate ≤ 0.5 %, (d) at most ×100 the baseline (one LLM call takes seconds).
See docs/numbers.md.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

from paperbrief.summarize.numbers import (
    NumberKind,
    SourceNumbers,
    check_numbers,
    extract_numbers,
    find_unsupported,
)

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "tests" / "data" / "reference" / "arxiv-daily-2026-02-04.md"
RSS_DAY = ROOT / "tests" / "data" / "fixtures" / "rss" / "rss-2024-11-28-many-archives.xml"
FIELDS = {"一句话总结": "tldr", "研究动机": "motivation", "核心方法": "method", "主要结论": "conclusion"}

# (arXiv id, number as written) → "invented" or "false alarm", labelled by reading the abstract.
HAND_LABELS: dict[tuple[str, str], str] = {}

RECALL_BOUND = 0.95
RESTATED_FALSE_ALARM_BOUND = 0.005
# The check may cost at most this many times a bare digit-run diff of the same texts (same run).
SPEED_RATIO_BOUND = 100.0

# Invented sentences (Chinese, as the summaries are); {p} percent, {d} points, {m} multiplier, {n} count > 10.
TEMPLATES = (
    "在基准上准确率达到 {p}%，比最强基线高 {d} 个百分点。",
    "推理速度提升 {m} 倍，显存占用降低 {p}%。",
    "在 {n} 个数据集上平均 F1 达到 {p}，超过此前最佳方法 {d} 分。",
    "训练成本仅为基线的 {p}%，参数量约 {n} 万。",
    "在 ImageNet 上 top-1 准确率为 {p}%，较基线提升 {d} 个百分点，速度快 {m}×。",
    "人工评测中 {p}% 的回答被评为更优，胜率提高 {d}%。",
)


@dataclass(frozen=True)
class RefPaper:
    """One paper of the reference report: its source text and its summary's four fields."""

    arxiv_id: str
    source: str
    fields: dict[str, str]


def load_reference() -> list[RefPaper]:
    """Parse the reference report: title, abstract and the four summary fields of each paper."""
    text = REPORT.read_text(encoding="utf-8")
    papers: list[RefPaper] = []
    for block in re.split(r"\n## \[\d+\. ", text)[1:]:
        title, _, rest = block.partition("](")
        arxiv_id = re.search(r"arxiv\.org/abs/(\d{4}\.\d{4,5})", rest)
        abstract = re.search(r"### 📄 论文摘要\s*\n\n(.*?)\n\n### ", rest, re.S)
        assert arxiv_id and abstract, f"unexpected report layout near {title[:40]!r}"
        fields = {
            key: m.group(1).strip()
            for label, key in FIELDS.items()
            if (m := re.search(rf"\*\*{label}\*\*：(.*)", rest))
        }
        papers.append(RefPaper(arxiv_id.group(1), f"{title}\n\n{abstract.group(1)}", fields))
    return papers


def eval_reference(papers: list[RefPaper]) -> tuple[int, list[tuple[str, str, str, str]]]:
    """Numbers checked and every flagged one as (id, field, number, hand label)."""
    checked = 0
    flagged: list[tuple[str, str, str, str]] = []
    for paper in papers:
        result = check_numbers(paper.fields, paper.source)
        checked += result.checked
        for item in result.unsupported_mentions:
            label = HAND_LABELS.get((paper.arxiv_id, item.mention.text), "UNLABELLED")
            flagged.append((paper.arxiv_id, item.field, item.mention.text, label))
    return checked, flagged


def _invented(rng: random.Random, source: str) -> dict[str, str]:
    """Fresh invented numbers whose digits do not occur in the source at all."""
    while True:
        numbers = {
            "p": f"{rng.uniform(50, 99.9):.1f}",
            "d": f"{rng.uniform(1, 15):.1f}",
            "m": f"{rng.uniform(1.5, 9.9):.1f}",
            "n": str(rng.randint(11, 99)),
        }
        if not any(re.search(rf"(?<![0-9.]){re.escape(v)}(?![0-9])", source) for v in numbers.values()):
            return numbers


@dataclass
class SyntheticResult:
    """Counts over all synthetic rounds."""

    invented: int = 0
    caught: int = 0
    summaries: int = 0
    summaries_caught: int = 0
    other_flags: int = 0
    other_numbers: int = 0


def eval_synthetic(papers: list[RefPaper], rounds: int, known: set[tuple[str, str]]) -> SyntheticResult:
    """Inject invented sentences into half the summaries per round; count what the check flags."""
    result = SyntheticResult()
    rng = random.Random(16)
    for _ in range(rounds):
        chosen = set(rng.sample(range(len(papers)), len(papers) // 2))
        for i, paper in enumerate(papers):
            fields = dict(paper.fields)
            invented: set[str] = set()
            injected: set[str] = set()  # every checked string of the injected sentence, names included
            if i in chosen:
                numbers = _invented(rng, paper.source)
                sentence = rng.choice(TEMPLATES).format(**numbers)
                field = rng.choice(["tldr", "conclusion", "conclusion", "method"])
                fields[field] = fields.get(field, "") + sentence
                # Names in the templates (F1, top-1, ImageNet) are not invented numbers.
                invented = {
                    m.text.strip()
                    for m in extract_numbers(sentence)
                    if m.checked and m.kind is not NumberKind.IDENTIFIER
                }
                invented -= {m.text.strip() for m in extract_numbers(paper.fields.get(field, ""))}
                injected = {m.text.strip() for m in extract_numbers(sentence) if m.checked}
            flagged = set(find_unsupported(fields, paper.source))
            result.invented += len(invented)
            result.caught += len(invented & flagged)
            if invented:
                result.summaries += 1
                result.summaries_caught += bool(invented & flagged)
            others = {f for f in flagged - injected if (paper.arxiv_id, f) not in known}
            result.other_flags += len(others)
            result.other_numbers += sum(1 for text in paper.fields.values() for m in extract_numbers(text) if m.checked)
    return result


def load_rss_abstracts() -> list[str]:
    """Title + abstract of every item of the recorded 2024-11-28 announcement."""
    root = etree.parse(str(RSS_DAY), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    sources: list[str] = []
    for item in root.iter("item"):
        description = item.findtext("description") or ""
        abstract = description.split("Abstract:", 1)[-1].strip()
        sources.append(f"{item.findtext('title') or ''}\n\n{abstract}")
    return sources


def _restate(kind: NumberKind, value: Decimal, text: str, flip: bool) -> str | None:
    """The same number in another written form, in a Chinese clause."""
    plain = format(value, "f")
    if kind is NumberKind.PERCENT:
        return f"结果为 {plain}%。" if flip else f"比例为{plain} %。"
    if kind is NumberKind.POINTS:
        return f"高出 {plain} 个百分点。"
    if kind is NumberKind.MULTIPLIER:
        return f"速度为 {plain} 倍。" if flip else f"快 {plain}×。"
    if kind is NumberKind.YEAR:
        return f"自 {plain} 年以来。"
    if kind is NumberKind.PLAIN:
        if value == value.to_integral_value() and value >= 10000 and flip:
            return f"共 {format(value / 10000, 'f')} 万。"
        if value == value.to_integral_value() and value >= 1000:
            return f"共 {int(value):,} 个。"
        return f"数值为 {plain}。"
    if kind in (NumberKind.IDENTIFIER, NumberKind.VERSION, NumberKind.FRACTION):
        return f"使用了{text}。"
    return None


def eval_restated(sources: list[str]) -> tuple[int, int, int, list[tuple[str, str]], list[dict[str, str]]]:
    """Restated numbers, how many were flagged, self-check flags, examples, and the summaries built."""
    total = flagged = self_flags = 0
    examples: list[tuple[str, str]] = []
    summaries: list[dict[str, str]] = []
    for n, source in enumerate(sources):
        index = SourceNumbers.from_text(source)
        self_flags += len(check_numbers({"abstract": source}, index).unsupported)
        clauses = []
        for i, mention in enumerate(extract_numbers(source)):
            if not mention.checked or not (mention.values or mention.key):
                continue
            value = mention.values[0] if mention.values else Decimal(0)
            clause = _restate(mention.kind, value, mention.text, flip=(i + n) % 2 == 0)
            if clause:
                clauses.append(clause)
        summary = {"conclusion": "".join(clauses)}
        summaries.append(summary)
        result = check_numbers(summary, index)
        total += result.checked
        flagged += len(result.unsupported_mentions)
        examples.extend((source[:60], u.mention.text) for u in result.unsupported_mentions)
    return total, flagged, self_flags, examples, summaries


def eval_speed(sources: list[str], summaries: list[dict[str, str]], repeat: int = 3) -> tuple[float, float]:
    """Milliseconds per summary for the check and for the digit-run baseline, each the best of `repeat`.

    The two alternate run by run, so a burst of load on the shared machine hits both.
    """
    digits = re.compile(r"[0-9]+(?:\.[0-9]+)?")
    pairs = list(zip(sources, summaries, strict=True))
    check_best = baseline_best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for source, summary in pairs:
            check_numbers(summary, source)
        check_best = min(check_best, time.perf_counter() - start)
        start = time.perf_counter()
        for source, summary in pairs:
            found = set(digits.findall(source))
            _ = [d for text in summary.values() for d in digits.findall(text) if d not in found]
        baseline_best = min(baseline_best, time.perf_counter() - start)
    return check_best * 1000 / len(pairs), baseline_best * 1000 / len(pairs)


def main() -> int:
    """Run (a)–(d), print the figures and PASS/FAIL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="synthetic rounds of 15 injected summaries")
    args = parser.parse_args()
    ok = True

    papers = load_reference()
    checked, flagged = eval_reference(papers)
    print(f"(a) reference day: {len(papers)} summaries, {checked} numbers checked, {len(flagged)} unsupported")
    for arxiv_id, field, text, label in flagged:
        print(f"    {arxiv_id} {field}: {text!r} — {label}")
    false_alarms = sum(1 for *_, label in flagged if label != "invented")
    ok &= false_alarms == 0
    known = {(arxiv_id, text) for arxiv_id, _, text, label in flagged if label == "invented"}

    syn = eval_synthetic(papers, args.rounds, known)
    recall = syn.caught / syn.invented
    print(
        f"(b) synthetic, {args.rounds} rounds: invented numbers caught {syn.caught}/{syn.invented} "
        f"(recall {recall:.3f}); injected summaries with ≥1 flag {syn.summaries_caught}/{syn.summaries}; "
        f"false alarms {syn.other_flags} over {syn.other_numbers} genuine numbers"
    )
    ok &= recall >= RECALL_BOUND and syn.other_flags == 0

    sources = load_rss_abstracts()
    total, restated_flags, self_flags, examples, summaries = eval_restated(sources)
    rate = restated_flags / total if total else 0.0
    print(
        f"(c) restated real numbers: {len(sources)} abstracts, {total} numbers restated, {restated_flags} flagged "
        f"(false-alarm rate {rate:.4f}); abstracts checked against themselves: {self_flags} flagged"
    )
    for source, text in examples[:15]:
        print(f"    {text!r} from {source!r}")
    ok &= rate <= RESTATED_FALSE_ALARM_BOUND and self_flags == 0

    check_ms, baseline_ms = eval_speed(sources, summaries)
    print(
        f"(d) speed: {check_ms:.3f} ms per summary+abstract; digit-run baseline {baseline_ms:.3f} ms; "
        f"ratio ×{check_ms / baseline_ms:.1f} (bound ×{SPEED_RATIO_BOUND:.0f})"
    )
    ok &= check_ms / baseline_ms <= SPEED_RATIO_BOUND
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
