"""Settings → library objects: the one place the CLI's settings become constructor arguments.

The library modules (sources, select, summarize, render, deliver) never read settings; the
pipeline and the CLI build them here. Each factory maps one `[section]` of `paperbrief.toml`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from paperbrief.redact import mask_url
from paperbrief.settings import Settings

THROTTLE_FILE = "arxiv-throttle.lock"
"""The lock file in the paperbrief home that spaces arXiv requests across processes (docs/sources.md)."""

if TYPE_CHECKING:
    from paperbrief.deliver import Channel, ChannelKind, ChannelProblem
    from paperbrief.explain import ExplainOptions
    from paperbrief.feedback import FeedbackLinks
    from paperbrief.publish import SiteOptions
    from paperbrief.reader_view import ReaderView
    from paperbrief.select import SelectOptions
    from paperbrief.sources.arxiv import ArxivSource, Throttle
    from paperbrief.sources.fulltext import FullTextFetcher
    from paperbrief.store import Store
    from paperbrief.summarize.base import Summarizer
    from paperbrief.summarize.llm import LLMConfig, LLMSummarizer


class LLMNotConfiguredError(ValueError):
    """`--summarizer llm` was asked for but the settings lack what an LLM needs (a usage error)."""


def source_from_settings(settings: Settings, throttle: Throttle | None = None) -> ArxivSource:
    """An `ArxivSource` for the `[arxiv]` settings (`PAPERBRIEF_ARXIV_*`).

    Build one per command and share it: its throttle is what keeps every request of the run one
    every `delay_seconds` (https://info.arxiv.org/help/api/tou.html).
    """
    from paperbrief.sources.arxiv import ArxivCalendar, ArxivSource
    from paperbrief.sources.arxiv.schedule import USER_HOLIDAYS_FILE

    return ArxivSource(
        rss_url=settings.arxiv_rss_url,
        api_url=settings.arxiv_api_url,
        oai_url=settings.arxiv_oai_url,
        delay_seconds=settings.arxiv_delay_seconds,
        timeout=settings.arxiv_timeout_seconds,
        retries=settings.arxiv_retries,
        contact=settings.arxiv_contact,
        throttle=throttle,
        # One spacing for every paperbrief process on this machine (arXiv's ToU counts them all).
        throttle_path=settings.home / THROTTLE_FILE,
        # The bundled holidays plus the user's `<home>/arxiv-holidays.toml` (HolidayFileError if unreadable).
        calendar=ArxivCalendar.load(settings.home / USER_HOLIDAYS_FILE),
    )


def fulltext_fetcher_from_settings(settings: Settings, source: ArxivSource) -> FullTextFetcher:
    """A `FullTextFetcher` over the run's arXiv source, so its one throttle spaces HTML/PDF/figure requests too."""
    from paperbrief.sources.fulltext import FullTextFetcher

    return FullTextFetcher(source.http_client, html_url=settings.arxiv_html_url, pdf_url=settings.arxiv_pdf_url)


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
        reader=settings.reader,
        exploration=settings.feedback_exploration,
    )


def explain_options_from_settings(settings: Settings) -> ExplainOptions:
    """What `explain` (CLI and MCP) replays a day with; raises `FilterSyntaxError`/`ValueError`."""
    from paperbrief.explain import ExplainOptions
    from paperbrief.summarize.llm.prompt import PROMPT_VERSION

    return ExplainOptions(
        select=select_options_from_settings(settings),
        language=settings.language,
        include_replacements=settings.arxiv_include_replacements,
        llm_model=settings.llm_model,
        prompt_version=PROMPT_VERSION,
    )


def missing_llm_settings(settings: Settings) -> list[str]:
    """The environment variables still needed before an LLM can be called (empty when configured)."""
    missing = [] if settings.llm_model else ["PAPERBRIEF_LLM_MODEL"]
    if not (settings.llm_base_url or settings.llm_api_key):
        missing.append("PAPERBRIEF_LLM_BASE_URL or PAPERBRIEF_LLM_API_KEY")
    return missing


def llm_key_warning(settings: Settings) -> str | None:
    """A warning when the LLM endpoint is not on this machine yet no API key is set (once per run)."""
    if not settings.llm_configured or settings.llm_api_key is not None or not settings.llm_base_url:
        return None
    host = urlsplit(settings.llm_base_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"the LLM at {mask_url(settings.llm_base_url)} is not on this machine but no API key is set "
        "(PAPERBRIEF_LLM_API_KEY): its answers will probably be HTTP 401"
    )


def llm_not_configured(settings: Settings) -> LLMNotConfiguredError:
    """The usage error for `summarizer = "llm"` without an LLM, naming the settings still missing."""
    missing = " and ".join(missing_llm_settings(settings))
    return LLMNotConfiguredError(f"--summarizer llm needs an LLM: set {missing} (see docs/llm.md)")


def choose_summarizer(settings: Settings, store: Store | None, run_id: int | None) -> tuple[Summarizer, str | None]:
    """The summarizer a run uses and, when `auto` fell back to extractive, a note saying so.

    `summarizer = "llm"` without an LLM configured raises `LLMNotConfiguredError` naming the missing
    settings; only `auto` falls back.
    """
    kind = settings.summarizer
    if kind in ("llm", "auto") and settings.llm_configured:
        return summarizer_from_settings(settings, store, run_id), None
    if kind == "llm":
        raise llm_not_configured(settings)
    note = None
    if kind == "auto":
        partly = settings.llm_model is None and bool(settings.llm_base_url or settings.llm_api_key)
        note = (
            "no LLM configured (set PAPERBRIEF_LLM_MODEL and PAPERBRIEF_LLM_BASE_URL or an API key): "
            "falling back to the extractive summarizer"
            if partly
            else "no LLM configured: using the extractive summarizer (no scores)"
        )
    return extractive_from_settings(settings), note


def extractive_from_settings(settings: Settings) -> Summarizer:
    """The offline extractive summarizer in the settings' language."""
    from paperbrief.summarize.extractive import ExtractiveSummarizer

    return ExtractiveSummarizer(language=settings.language)


def site_options_from_settings(settings: Settings) -> SiteOptions:
    """How the site is built, from the `[site]` settings and the report language."""
    from paperbrief.publish import SiteOptions

    return SiteOptions(language=settings.language, base_url=settings.site_base_url, feed_days=settings.site_feed_days)


def channels_from_settings(settings: Settings, kinds: Iterable[ChannelKind | str] | None = None) -> list[Channel]:
    """The channels the settings configure (e-mail when an SMTP host is set, one per notify URL).

    Raises `EmailConfigError` or `ValueError` (with a secret-free message) for a half-configured channel.
    """
    channels, problems = configure_channels(settings, kinds)
    if problems:
        raise problems[0].error
    return channels


def configure_channels(
    settings: Settings, kinds: Iterable[ChannelKind | str] | None = None
) -> tuple[list[Channel], list[ChannelProblem]]:
    """`channels_from_settings` without raising: the channels built, and one problem per channel that cannot be.

    Used where a bad channel must not stop the good ones (`paperbrief run`). Duplicate notify URLs
    count once.
    """
    from paperbrief.deliver import ChannelKind, ChannelProblem, ChatChannel, EmailChannel, EmailConfigError, EmailSender
    from paperbrief.deliver import mask_url as chat_mask_url

    wanted = {ChannelKind(k) for k in kinds} if kinds is not None else set(ChannelKind)
    links = feedback_links_from_settings(settings)
    # A lab's readers each get their own log rows (`email:alice`), so each is sent once per day.
    reader = settings.reader if settings.readers else None
    channels: list[Channel] = []
    problems: list[ChannelProblem] = []
    if ChannelKind.EMAIL in wanted and settings.smtp_host:
        try:
            sender = EmailSender(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_security,
                settings.smtp_user,
                settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                sender=settings.email_from or "",
                recipients=settings.email_to,
                timeout=settings.smtp_timeout_seconds,
            )
        except EmailConfigError as exc:
            problems.append(ChannelProblem(ChannelKind.EMAIL.value, exc))
        else:
            channels.append(
                EmailChannel(
                    sender, settings.site_base_url, figures_dir=settings.out_dir, feedback=links, reader=reader
                )
            )
    if ChannelKind.CHAT in wanted:
        for url in dict.fromkeys(settings.notify_urls):
            try:
                channels.append(ChatChannel(url, settings.site_base_url, feedback=links, reader=reader))
            except ValueError as exc:  # the message shows the URL masked
                problems.append(ChannelProblem(f"chat:{chat_mask_url(url)}", exc))
    return channels, problems


def feedback_links_from_settings(settings: Settings) -> FeedbackLinks | None:
    """One-click feedback links for the settings' reader, when `[feedback] base_url` and a secret are set."""
    if not settings.feedback_base_url or settings.feedback_secret is None:
        return None
    # Imported only when links are on: it pulls in scikit-learn/SciPy (~90 MB, ~1.5 s; issue 15).
    from paperbrief.feedback import FeedbackLinks

    return FeedbackLinks(
        settings.feedback_base_url,
        settings.feedback_secret.get_secret_value(),
        reader=settings.reader,
        valid_days=settings.feedback_link_days,
    )


def settings_for_reader(settings: Settings, reader: str | None = None) -> Settings:
    """The settings as one reader sees them: their topics, reading list, authors and recipients (issue 12).

    A reader without a `[readers.NAME]` table keeps the top-level settings, so a single-reader
    configuration is reader `me` unchanged.
    """
    name = reader or settings.reader
    own = settings.reader_settings(name)
    return settings.model_copy(
        update={
            "reader": name,
            "select_topics": dict(own.topics),
            "select_reading_list": own.reading_list,
            "select_authors": list(own.authors),
            "email_to": list(own.email_to),
            "notify_urls": list(own.notify_urls),
        }
    )


def reader_view_from_settings(settings: Settings, store: Store, reader: str | None = None) -> ReaderView:
    """A reader's hides, saves and (once ready) learned model, ranked as `paperbrief rank` does (issue 14)."""
    from paperbrief.reader_view import load_reader_view
    from paperbrief.select.learn import LearnedRanker
    from paperbrief.select.profile import profile_entries

    mine = settings_for_reader(settings, reader)
    options = select_options_from_settings(mine)
    prior = profile_entries(options.topics, store.reading_items(mine.reader))
    ranker = LearnedRanker(exploration=options.exploration, embedding_model=options.embedding_model)
    return load_reader_view(store, mine.reader, prior, ranker=ranker)
