"""Rate limits, budgets, prices and secret redaction of the LLM engine."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from paperbrief.summarize.base import Usage


class RateLimiter:
    """A token bucket refilled at `per_minute / 60` per second, for requests or tokens per minute.

    The bucket holds one second of quota (at least one unit), so a limit is never exceeded in
    bursts; a request larger than the bucket waits until the bucket is full, then goes into debt.
    `adjust` books the difference between an estimate and the real usage reported afterwards.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError(f"rate limit must be positive, got {per_minute}")
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self._available = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._available = min(self.capacity, self._available + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, amount: float = 1.0) -> float:
        """Wait until `amount` units may be spent, spend them; returns the seconds waited."""
        waited = 0.0
        async with self._lock:  # first come, first served
            while True:
                self._refill()
                need = min(amount, self.capacity)
                if self._available >= need - 1e-9:  # tolerance: float refills land a hair short
                    self._available -= amount
                    return waited
                delay = (need - self._available) / self.rate
                waited += delay
                await self._sleep(delay)

    def adjust(self, delta: float) -> None:
        """Book `delta` more units (negative gives some back) once the real usage is known."""
        self._refill()
        self._available = min(self.capacity, self._available - delta)


@dataclass
class Budget:
    """Spending of one run against the optional caps; calls stop once a cap is reached."""

    max_cost: float | None = None
    max_tokens: int | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    calls: int = 0
    cached_tokens: int | None = None  # None until an answer reports its cached input tokens

    @property
    def tokens(self) -> int:
        """Input plus output tokens spent so far."""
        return self.tokens_in + self.tokens_out

    def exhausted(self) -> bool:
        """Whether a cap has been reached (then no new call is issued)."""
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return True
        return self.max_cost is not None and self.cost >= self.max_cost

    def spend(self, tokens_in: int, tokens_out: int, cost: float, cached: int | None = None) -> None:
        """Book one call's usage (a failed or cancelled call counts as a call with no tokens)."""
        self.calls += 1
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.cost += cost
        if cached is not None:
            self.cached_tokens = (self.cached_tokens or 0) + cached

    def usage(self, priced: bool) -> Usage:
        """What was spent so far as a `Usage` value."""
        return Usage(self.calls, self.tokens_in, self.tokens_out, self.cost, priced, self.cached_tokens)


LLMUsage = Usage  # the name of issue 4; the pipeline gets it as `SummarizeResult.usage`


@dataclass(frozen=True)
class Prices:
    """USD per one million input and output tokens per model, and optionally per cached input token.

    An entry is `(input, output)` or `(input, output, cached_input)`: providers bill input tokens
    served from their prompt cache at a lower rate (OpenAI: https://platform.openai.com/docs/guides/prompt-caching,
    DeepSeek: https://api-docs.deepseek.com/quick_start/pricing). Without a cached price, cached
    tokens are billed as ordinary input (never under-counted).
    """

    table: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def lookup(self, model: str) -> tuple[float, ...] | None:
        """Prices of a model: exact name first, then case-insensitively, else None."""
        if model in self.table:
            return self.table[model]
        folded = {k.casefold(): v for k, v in self.table.items()}
        return folded.get(model.casefold())

    def cost(self, model: str, tokens_in: int, tokens_out: int, cached: int | None = None) -> float:
        """Cost in USD of a call (0.0 for a model without a price); `cached` of `tokens_in` at the cached rate."""
        price = self.lookup(model)
        if price is None:
            return 0.0
        hit = min(max(cached or 0, 0), tokens_in) if len(price) >= 3 else 0
        cached_price = price[2] if len(price) >= 3 else price[0]
        return ((tokens_in - hit) * price[0] + hit * cached_price + tokens_out * price[1]) / 1e6


_USERINFO_RE = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@")


def public_url(url: str | None) -> str:
    """A base URL safe to show and to key caches by: no credentials, no query string."""
    if not url:
        return "https://api.openai.com/v1"
    cleaned = _USERINFO_RE.sub(r"\1", url.split("?", 1)[0].split("#", 1)[0])
    return cleaned.rstrip("/")
