"""The JSONL input of a bulk batch and its budget check (https://platform.openai.com/docs/guides/batch).

One `/v1/chat/completions` request per paper, with the very messages a live call sends
(`prompt.system_prompt` + `prompt.user_prompt([paper])`), so a bulk answer is validated and cached
exactly like a live one. `custom_id` is the paper's versioned id plus the cache key
(`2602.04837v1|zh|<prompt version>|<model>`): an answer can only ever be filed under the paper
and the cache key it was asked for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from paperbrief.models import Paper
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.config import LLMConfig, ResponseFormat
from paperbrief.summarize.llm.truncate import estimate_tokens

# Expected answer length of one summary (the live transport books the same for its TPM limiter).
OUTPUT_TOKEN_ESTIMATE = 400
# Providers that price the Batch API at half the live price (OpenAI, Groq, Anthropic's analogue).
DEFAULT_PRICE_FACTOR = 0.5
CHAT_COMPLETIONS: Final = "/v1/chat/completions"


class BudgetRefused(Exception):
    """The batch's estimate is over `--max-cost` or `--max-tokens`: nothing was uploaded."""


@dataclass(frozen=True)
class CacheKey:
    """What a summary is cached under besides the paper: model, prompt version, language."""

    model: str
    prompt_version: str
    language: str

    def custom_id(self, paper_versioned_id: str) -> str:
        """The `custom_id` of one paper's request."""
        return f"{paper_versioned_id}|{self.language}|{self.prompt_version}|{self.model}"

    def key_of(self, custom_id: str) -> tuple[str, int] | None:
        """The (id, version) a `custom_id` of this cache key names, else None (another key, or garbage)."""
        parts = custom_id.split("|", 3)
        if len(parts) != 4 or (parts[1], parts[2], parts[3]) != (self.language, self.prompt_version, self.model):
            return None
        head, sep, tail = parts[0].rpartition("v")
        return (head, int(tail)) if sep and head and tail.isdigit() else None


@dataclass(frozen=True)
class Estimate:
    """What a batch is expected to cost before it is sent."""

    requests: int
    tokens_in: int
    tokens_out: int
    cost: float | None  # None: the model has no price

    @property
    def tokens(self) -> int:
        """Input plus expected output tokens."""
        return self.tokens_in + self.tokens_out


def messages_for(paper: Paper, language: str) -> list[dict[str, str]]:
    """The messages of one paper's request: byte-identical to a live single-paper call."""
    return [
        {"role": "system", "content": P.system_prompt(language)},
        {"role": "user", "content": P.user_prompt([paper])},
    ]


def response_format(fmt: ResponseFormat) -> dict[str, Any]:
    """The `response_format` of every request of a batch (json_schema only when known to work)."""
    return P.summary_schema(batch=False) if fmt is ResponseFormat.JSON_SCHEMA else dict(P.JSON_OBJECT_FORMAT)


def build_jsonl(
    papers: Sequence[Paper], config: LLMConfig, key: CacheKey, fmt: ResponseFormat, price_factor: float
) -> tuple[bytes, Estimate]:
    """The batch input file (UTF-8 JSONL, one request a line) and its estimate."""
    lines: list[str] = []
    tokens_in = 0
    payload_format = response_format(fmt)
    for paper in papers:
        messages = messages_for(paper, key.language)
        tokens_in += round(sum(estimate_tokens(m["content"]) for m in messages))
        body = {
            "model": config.model,
            "messages": messages,
            "temperature": config.temperature,
            "response_format": payload_format,
        }
        request = {"custom_id": key.custom_id(paper.versioned_id), "method": "POST", "url": CHAT_COMPLETIONS}
        lines.append(json.dumps({**request, "body": body}, ensure_ascii=False, separators=(",", ":")))
    tokens_out = OUTPUT_TOKEN_ESTIMATE * len(papers)
    cost = None
    if config.priced:
        cost = config.prices.cost(config.model, tokens_in, tokens_out) * price_factor
    data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return data, Estimate(len(papers), tokens_in, tokens_out, cost)


def check_budget(estimate: Estimate, max_cost: float | None, max_tokens: int | None, price_factor: float) -> None:
    """Raise `BudgetRefused` (one line, with the figures) when the estimate is over a cap."""
    share = f"{price_factor:.0%} of the live price"
    if max_tokens is not None and estimate.tokens > max_tokens:
        raise BudgetRefused(
            f"the batch of {estimate.requests} papers is estimated at {estimate.tokens:,} tokens "
            f"({estimate.tokens_in:,} in + {estimate.tokens_out:,} out), over --max-tokens {max_tokens:,}: "
            "nothing was uploaded (narrow the range or raise the cap)"
        )
    if max_cost is not None and estimate.cost is not None and estimate.cost > max_cost:
        raise BudgetRefused(
            f"the batch of {estimate.requests} papers is estimated at ${estimate.cost:.4f} ({share}), "
            f"over --max-cost ${max_cost:g}: nothing was uploaded (narrow the range or raise the cap)"
        )
