"""`paperbrief mcp`: the store as Model Context Protocol tools over stdio (docs/mcp.md)."""

from paperbrief.mcp.server import PaperTools, build_server

__all__ = ["PaperTools", "build_server"]
