"""`paperbrief mcp`: serve the store to MCP clients (Claude Desktop, Cursor …) over stdio. See docs/mcp.md."""

from __future__ import annotations

import click

from paperbrief.cli.common import AppContext, ExitCode, fail, pass_app


@click.command("mcp")
@pass_app
def mcp_command(app: AppContext) -> None:
    """Run a Model Context Protocol server over stdio (tools over the store; only add_feedback writes).

    Tools: search_papers, get_paper, get_digest, explain, add_feedback. Point an MCP client at
    `paperbrief mcp` (with --home or PAPERBRIEF_HOME for another store); see docs/mcp.md.
    """
    from paperbrief.factories import explain_options_from_settings, reader_view_from_settings
    from paperbrief.mcp import PaperTools, build_server
    from paperbrief.select.filters import FilterSyntaxError

    settings, _ = app.settings()
    try:
        options = explain_options_from_settings(settings)
    except (FilterSyntaxError, ValueError) as exc:
        fail(f"invalid selection settings: {exc}", code=ExitCode.USAGE)
    store = app.store(settings)
    # stdout carries the protocol: nothing else may be printed there.
    tools = PaperTools(
        store=store,
        explain_options=options,
        language=settings.language,
        readers=tuple(settings.reader_names),
        default_reader=settings.reader,
        views=lambda name: reader_view_from_settings(settings, store, name),
    )
    build_server(tools).run("stdio")
