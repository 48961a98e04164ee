"""paperbrief: turn each day's arXiv announcement into a digest researchers actually read."""

__version__ = "0.1.0"
