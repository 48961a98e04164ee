"""Terms of a paper for the weekly trends: keywords and title/abstract phrases, normalized.

Synonyms count once: `大语言模型`, `LLMs` and `large language models` all become `LLM` through
`SYNONYMS` (a small table, documented in docs/weekly.md). Other terms are lower-cased, with a
plural last word folded to the singular (`diffusion models` → `diffusion model`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from paperbrief.models import DigestEntry

# canonical term -> spellings (matched case-insensitively; Latin ones on word boundaries).
SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "LLM": ("llm", "llms", "large language model", "large language models", "大语言模型", "大型语言模型", "大模型"),
    "VLM": (
        "vlm",
        "vlms",
        "vision-language model",
        "vision-language models",
        "vision language model",
        "vision language models",
        "视觉语言模型",
        "视觉-语言模型",
    ),
    "multimodal LLM": (
        "mllm",
        "mllms",
        "multimodal large language model",
        "multimodal large language models",
        "多模态大模型",
        "多模态大语言模型",
    ),
    "reinforcement learning": ("reinforcement learning", "rl", "强化学习"),
    "RAG": ("rag", "retrieval-augmented generation", "retrieval augmented generation", "检索增强生成"),
    "diffusion model": ("diffusion model", "diffusion models", "扩散模型"),
    "graph neural network": ("graph neural network", "graph neural networks", "gnn", "gnns", "图神经网络"),
    "agent": ("agent", "agents", "llm agent", "llm agents", "ai agent", "ai agents", "智能体", "代理", "agentic"),
    "chain-of-thought": ("chain-of-thought", "chain of thought", "cot", "思维链"),
    "benchmark": ("benchmark", "benchmarks", "基准", "基准测试"),
    "reasoning": ("reasoning", "推理"),
    "transformer": ("transformer", "transformers"),
    "fine-tuning": ("fine-tuning", "fine tuning", "finetuning", "微调"),
    "machine learning": ("machine learning", "机器学习"),
    "deep learning": ("deep learning", "深度学习"),
}

# Words too generic to be a trend or a theme name on their own (they still count inside phrases).
GENERIC_WORDS = frozenset(
    {
        "via",
        "using",
        "towards",
        "toward",
        "based",
        "new",
        "novel",
        "approach",
        "method",
        "study",
        "paper",
        "model",
        "framework",
        "system",
        "data",
        "learning",
        "task",
        "performance",
        "result",
        "analysis",
        "self",
        "large",
    }
)
_STOP = frozenset(ENGLISH_STOP_WORDS) | GENERIC_WORDS
_WORD_RE = re.compile(r"[a-z][a-z0-9\-]*[a-z0-9]|[a-z]")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
# Phrases never cross punctuation.
_SPLIT_RE = re.compile(r"[:;,.!?()\[\]{}\"“”'|/]+")
_KEEP_S = ("ss", "us", "is", "ics")


@lru_cache(maxsize=1)
def _variants() -> tuple[dict[str, str], re.Pattern[str], re.Pattern[str]]:
    """Spelling → canonical, a regex of the Latin spellings (longest first) and one of the CJK ones."""
    table = {variant.lower(): canonical for canonical, variants in SYNONYMS.items() for variant in variants}
    latin = sorted((v for v in table if not _CJK_RE.search(v)), key=len, reverse=True)
    cjk = sorted((v for v in table if _CJK_RE.search(v)), key=len, reverse=True)
    latin_re = re.compile(r"(?<![a-z0-9\-])(?:" + "|".join(re.escape(v) for v in latin) + r")(?![a-z0-9\-])")
    cjk_re = re.compile("|".join(re.escape(v) for v in cjk))
    return table, latin_re, cjk_re


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word


def normalize_term(text: str) -> str | None:
    """One keyword as the trend term it counts as (None when it is empty or a stop word)."""
    cleaned = " ".join(text.lower().split()).strip(" .,;:-")
    if not cleaned or cleaned in _STOP:
        return None
    table, _, _ = _variants()
    if cleaned in table:
        return table[cleaned]
    if _CJK_RE.search(cleaned):
        return cleaned
    words = cleaned.split(" ")
    words[-1] = _singular(words[-1])
    joined = " ".join(words)
    return table.get(joined, joined)


def _phrases(text: str, max_words: int = 3) -> set[str]:
    """Synonym matches plus 2–3 word phrases of the text (no stop word at either end)."""
    table, latin_re, cjk_re = _variants()
    lowered = text.lower()
    found = {table[m.group(0)] for m in cjk_re.finditer(lowered)}
    found |= {table[m.group(0)] for m in latin_re.finditer(lowered)}
    # Phrases must not swallow a synonym: cut the text where one matched.
    for segment in _SPLIT_RE.split(latin_re.sub("|", lowered)):
        words = [_singular(w) for w in _WORD_RE.findall(segment)]
        for size in range(2, max_words + 1):
            for start in range(len(words) - size + 1):
                gram = words[start : start + size]
                if gram[0] in _STOP or gram[-1] in _STOP or any(len(w) < 2 for w in gram):
                    continue
                found.add(" ".join(gram))
    return found


def entry_terms(entry: DigestEntry) -> set[str]:
    """Every term one paper counts for: its keywords, its title phrases and the synonyms in its abstract."""
    terms: set[str] = set()
    keywords: Iterable[str] = entry.summary.keywords if entry.summary is not None else []
    for keyword in keywords:
        term = normalize_term(keyword)
        if term is not None:
            terms.add(term)
    terms |= _phrases(entry.paper.title)
    _, latin_re, cjk_re = _variants()
    table = _variants()[0]
    abstract = entry.paper.abstract.lower()
    terms |= {table[m.group(0)] for m in latin_re.finditer(abstract)}
    terms |= {table[m.group(0)] for m in cjk_re.finditer(abstract)}
    return terms
