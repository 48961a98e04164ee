"""Every setting of the LLM summarizer as one frozen value with safe defaults (see docs/llm.md).

`paperbrief.factories.summarizer_from_settings` builds it from the `[llm]` settings; the library
never reads settings itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from paperbrief.summarize.llm.limits import Prices, public_url


class ResponseFormat(StrEnum):
    """How structured output is requested (https://platform.openai.com/docs/guides/structured-outputs)."""

    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"


class LLMConfigError(ValueError):
    """The LLM summarizer was configured with impossible values; one-line message."""


@dataclass(frozen=True)
class LLMConfig:
    """The LLM summarizer's settings.

    Timeouts: `timeout` bounds one request (a long answer from a slow model must fit in it);
    `connect_timeout` bounds opening the connection, so an unreachable host is known in seconds;
    `timeouts_to_open` consecutive timeouts with no answer in between open the circuit breaker
    (a hanging endpoint ends the run after about one `timeout`, not after every retry of every paper).
    """

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    language: str = "zh"
    concurrency: int = 8
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    timeout: float = 120.0
    connect_timeout: float = 5.0
    timeouts_to_open: int = 3
    retries: int = 4
    run_deadline: float | None = None
    temperature: float = 0.0
    batch_size: int = 5  # papers per request: fewer prompt tokens per paper (docs/llm.md, defaults)
    response_format: ResponseFormat = ResponseFormat.AUTO
    max_cost: float | None = None
    max_tokens: int | None = None
    max_input_tokens: int = 4000
    prices: Prices = field(default_factory=Prices)
    retry_wait_max: float = 60.0
    retry_wait_base: float = 1.0

    def __post_init__(self) -> None:
        if not self.model:
            raise LLMConfigError("no LLM model configured (set PAPERBRIEF_LLM_MODEL or [llm] model)")
        if self.language not in ("zh", "en"):
            raise LLMConfigError(f"unsupported summary language {self.language!r}: use zh or en")
        if self.concurrency < 1 or self.batch_size < 1 or self.retries < 0 or self.timeout <= 0:
            raise LLMConfigError("concurrency and batch_size must be ≥ 1, retries ≥ 0, timeout > 0")
        if self.connect_timeout <= 0 or self.timeouts_to_open < 1 or self.max_input_tokens < 100:
            raise LLMConfigError("connect_timeout must be > 0, timeouts_to_open ≥ 1, max_input_tokens ≥ 100")
        object.__setattr__(self, "response_format", ResponseFormat(self.response_format))
        if not isinstance(self.prices, Prices):
            object.__setattr__(self, "prices", prices_from(self.prices))
        if self.max_cost is not None and self.prices.lookup(self.model) is None:
            raise LLMConfigError(f"max_cost is set but llm prices has no entry for model {self.model!r}")

    @property
    def endpoint(self) -> str:
        """The base URL without credentials (for messages, logs and the format-detection cache key)."""
        return public_url(self.base_url)

    @property
    def priced(self) -> bool:
        """Whether the price table knows the model (else cost is unknown, not zero)."""
        return self.prices.lookup(self.model) is not None


def prices_from(table: Mapping[str, tuple[float, ...] | list[float]] | None) -> Prices:
    """A `Prices` table from `model -> [USD per 1M input, per 1M output(, per 1M cached input)]`."""
    return Prices({k: tuple(float(x) for x in v[:3]) for k, v in (table or {}).items() if len(v) >= 2})
