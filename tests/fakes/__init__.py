"""Local fake servers and helpers used by the tests."""
