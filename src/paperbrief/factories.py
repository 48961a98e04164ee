"""Settings → library objects: the one place the CLI's settings become constructor arguments.

The library modules (sources, select, summarize, render, deliver) never read settings; the
pipeline and the CLI build them here. Each factory maps one `[section]` of `paperbrief.toml`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperbrief.settings import Settings

if TYPE_CHECKING:
    from paperbrief.select import SelectOptions
    from paperbrief.sources.arxiv import ArxivSource, Throttle
    from paperbrief.store import Store
    from paperbrief.summarize.llm import LLMConfig, LLMSummarizer


def source_from_settings(settings: Settings, throttle: Throttle | None = None) -> ArxivSource:
    """An `ArxivSource` for the `[arxiv]` settings (`PAPERBRIEF_ARXIV_*`).

    Build one per command and share it: its throttle is what keeps every request of the run one
    every `delay_seconds` (https://info.arxiv.org/help/api/tou.html).
    """
    from paperbrief.sources.arxiv import ArxivSource

    return ArxivSource(
        rss_url=settings.arxiv_rss_url,
        api_url=settings.arxiv_api_url,
        oai_url=settings.arxiv_oai_url,
        delay_seconds=settings.arxiv_delay_seconds,
        timeout=settings.arxiv_timeout_seconds,
        retries=settings.arxiv_retries,
        contact=settings.arxiv_contact,
        throttle=throttle,
    )


def llm_config_from_settings(settings: Settings) -> LLMConfig:
    """The `LLMConfig` of the `[llm]` settings (raises `LLMConfigError` when no model is set)."""
    from paperbrief.summarize.llm import LLMConfig, ResponseFormat, prices_from

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    return LLMConfig(
        model=settings.llm_model or "",
        base_url=settings.llm_base_url,
        api_key=key,
        language=settings.language,
        concurrency=settings.llm_concurrency,
        requests_per_minute=settings.llm_requests_per_minute,
        tokens_per_minute=settings.llm_tokens_per_minute,
        timeout=settings.llm_timeout_seconds,
        connect_timeout=settings.llm_connect_timeout_seconds,
        timeouts_to_open=settings.llm_timeouts_to_stop,
        retries=settings.llm_retries,
        run_deadline=settings.llm_run_deadline_seconds,
        temperature=settings.llm_temperature,
        batch_size=settings.llm_batch_size,
        response_format=ResponseFormat(settings.llm_response_format),
        max_cost=settings.llm_max_cost,
        max_tokens=settings.llm_max_tokens,
        max_input_tokens=settings.llm_max_input_tokens,
        prices=prices_from(settings.llm_prices),
    )


def summarizer_from_settings(settings: Settings, store: Store | None, run_id: int | None) -> LLMSummarizer:
    """The LLM summarizer of the `[llm]` settings (raises `LLMConfigError` when no model is set)."""
    from paperbrief.summarize.llm import LLMSummarizer

    return LLMSummarizer(llm_config_from_settings(settings), store=store, run_id=run_id)


def select_options_from_settings(
    settings: Settings, max_papers: int | None = None, mode: str | None = None
) -> SelectOptions:
    """Selection options of the `[select]`/`[arxiv]` settings; raises `FilterSyntaxError`/`ValueError`."""
    from paperbrief.select import SelectOptions

    return SelectOptions(
        mode=mode or settings.select_mode,
        max_papers=max_papers or settings.max_papers,
        max_llm_papers=settings.select_max_llm_papers,
        categories=tuple(settings.arxiv_categories),
        include_cross=settings.arxiv_include_cross,
        include=tuple(settings.select_include),
        exclude=tuple(settings.select_exclude),
        fields=tuple(settings.select_fields),
        authors=tuple(settings.select_authors),
        topics=dict(settings.select_topics),
        embedding_model=settings.select_embedding_model,
        language=settings.language,
    )
