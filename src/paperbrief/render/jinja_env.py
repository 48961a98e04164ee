"""The one Jinja2 environment factory of every renderer (Markdown, site, e-mail).

Named `jinja_env`, not `templates`, so it cannot be confused with the `templates/` data folder.
Environments are cached (one per setting) because building one and reloading its templates on
every render is wasted work; callers must not mutate what they get
(https://jinja.palletsprojects.com/en/3.1.x/api/#basics).
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from paperbrief.render import fulltext_view, numbers_marks, site_text


@lru_cache(maxsize=2)
def template_environment(autoescape: bool) -> Environment:
    """The shared environment: `autoescape=True` escapes .html/.xml templates, False escapes nothing (Markdown).

    The autoescaping one also carries the `site_text` helpers the site and e-mail templates call.
    """
    env = Environment(
        loader=PackageLoader("paperbrief.render", "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=False) if autoescape else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    if autoescape:
        env.globals.update(
            score_text=site_text.score_text,
            score_tier=site_text.score_tier,
            score_of=site_text.score_of,
            code_urls=site_text.code_urls,
            author_line=site_text.author_line,
            author_names=site_text.author_names,
            entry_number=site_text.entry_number,
            day_page_name=site_text.day_page_name,
            one_line=site_text.one_line,
            # Issue 16: the ⚠ marks of templates/numbers_marks.html.
            unsupported_in=numbers_marks.unsupported_in,
            numbers_mark_text=numbers_marks.mark_text,
            numbers_legend=numbers_marks.legend,
            numbers_summary_mark_text=numbers_marks.summary_mark_text,
            numbers_summary_legend=numbers_marks.summary_legend,
            numbers_entries_legend=numbers_marks.entries_legend,
            numbers_in_entries=numbers_marks.entries_have_marks,
            # Full-text additions and math (issue 13): render/fulltext_view.py, templates */fulltext.html.
            math=fulltext_view.math_html,
            source_mark=fulltext_view.source_mark,
            fulltext_labels=fulltext_view.fulltext_labels,
        )
    return env
