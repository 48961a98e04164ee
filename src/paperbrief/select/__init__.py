"""paperbrief.select: filters, interest profile, ranking and selection modes (docs/selection.md)."""

from paperbrief.select.enrich import enrich_paper
from paperbrief.select.filters import FilterSyntaxError
from paperbrief.select.modes import (
    NO_MATCH_NOTE,
    Selection,
    SelectMode,
    SelectOptions,
    finalize_by_score,
    replay_score_cut,
    select_papers,
)
from paperbrief.select.profile import (
    ImportReport,
    ReadingListError,
    ReadingListFormat,
    import_reading_list,
    parse_reading_list,
    profile_entries,
)
from paperbrief.select.rank import EmbeddingUnavailable, rank_candidates

__all__ = [
    "NO_MATCH_NOTE",
    "EmbeddingUnavailable",
    "FilterSyntaxError",
    "ImportReport",
    "ReadingListError",
    "ReadingListFormat",
    "SelectMode",
    "SelectOptions",
    "Selection",
    "enrich_paper",
    "finalize_by_score",
    "import_reading_list",
    "parse_reading_list",
    "profile_entries",
    "rank_candidates",
    "replay_score_cut",
    "select_papers",
]
