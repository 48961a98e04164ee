"""The weekly report (issue 14): the week's best papers, rising and falling terms, and themes."""

from paperbrief.weekly.period import IsoWeek
from paperbrief.weekly.report import BuiltWeek, DayCount, WeeklyPaper, WeeklyReport, build_weekly, load_week
from paperbrief.weekly.terms import SYNONYMS, entry_terms, normalize_term
from paperbrief.weekly.themes import Theme, ThemeSource, ThemeWriter, cluster_entries, keep_cited
from paperbrief.weekly.trends import Direction, Trend, compute_trends

__all__ = [
    "SYNONYMS",
    "BuiltWeek",
    "DayCount",
    "Direction",
    "IsoWeek",
    "Theme",
    "ThemeSource",
    "ThemeWriter",
    "Trend",
    "WeeklyPaper",
    "WeeklyReport",
    "build_weekly",
    "cluster_entries",
    "compute_trends",
    "entry_terms",
    "keep_cited",
    "load_week",
    "normalize_term",
]
