"""The LLM summarizer backend (issue 4) and the day's highlights call (issue 5); see docs/llm.md."""

from paperbrief.summarize.llm.engine import (
    FORMAT_ARTIFACT_KIND,
    HIGHLIGHTS_ARTIFACT_KIND,
    LLMConfigError,
    LLMSummarizer,
    ResponseFormat,
    render_highlights,
    write_highlights,
)
from paperbrief.summarize.llm.limits import LLMUsage
from paperbrief.summarize.llm.prompt import PROMPT_VERSION

__all__ = [
    "FORMAT_ARTIFACT_KIND",
    "HIGHLIGHTS_ARTIFACT_KIND",
    "PROMPT_VERSION",
    "LLMConfigError",
    "LLMSummarizer",
    "LLMUsage",
    "ResponseFormat",
    "render_highlights",
    "write_highlights",
]
