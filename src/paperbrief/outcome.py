"""Exit codes a run's outcome maps to: shared by the library (which judges a run) and the CLI (which exits)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes cron can act on (docs/cli.md); the CLI exits with these."""

    OK = 0
    FAILURE = 1  # nothing usable was produced, or every summary failed
    USAGE = 2  # a bad flag or value (Click's own code)
    PARTIAL = 3  # the digest was written, but papers are missing or a delivery failed
    INTERRUPTED = 130  # Ctrl-C or SIGTERM: everything already paid for is kept
