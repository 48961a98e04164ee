"""The LLM summarizer backend (issue 4) and the day's highlights call (issue 5); see docs/llm.md.

Modules: `config` (one settings object), `transport` (one request: limits, retries, breaker,
format detection), `errors` (what a failure means for the run), `calllog` (the call log),
`summarizer` (per paper / per batch), `highlights`, `prompt`, `parse`, `limits`, `truncate`.
"""

from paperbrief.summarize.llm.config import LLMConfig, LLMConfigError, ResponseFormat, prices_from
from paperbrief.summarize.llm.highlights import HIGHLIGHTS_ARTIFACT_KIND, highlights_key, render_highlights
from paperbrief.summarize.llm.limits import LLMUsage
from paperbrief.summarize.llm.prompt import PROMPT_VERSION
from paperbrief.summarize.llm.summarizer import LLMSummarizer
from paperbrief.summarize.llm.transport import FORMAT_ARTIFACT_KIND

__all__ = [
    "FORMAT_ARTIFACT_KIND",
    "HIGHLIGHTS_ARTIFACT_KIND",
    "PROMPT_VERSION",
    "LLMConfig",
    "LLMConfigError",
    "LLMSummarizer",
    "LLMUsage",
    "ResponseFormat",
    "highlights_key",
    "prices_from",
    "render_highlights",
]
