"""Numbers a summary states must be in the text the model was given (issue 16).

`extract_numbers` finds the numbers in a text (as written, normalized value(s), kind);
`find_unsupported` / `check_numbers` compare a summary's fields with the source text (title +
abstract, or the full text) and return the summary's numbers the source does not support;
`reask_instruction` names them in the one-line re-ask. Pure functions, no I/O, no LLM call: the
engine re-asks only when the check found something. What counts as "the same number" (forms,
rounding, derived differences, names, years, counting words, Chinese numerals) is documented in
docs/numbers.md; the rules in the modules say why in comments.

The package's modules: `kinds` (data), `patterns` (how numbers are written), `extract`
(`extract_numbers`), `source` (`SourceNumbers`, the rules of support), `check` (the check and the
re-ask wording). Import from the package: the module layout is not part of the API.
"""

from __future__ import annotations

from paperbrief.summarize.numbers.check import (
    abstract_source,
    check_numbers,
    find_unsupported,
    find_unsupported_mentions,
    pick_after_reask,
    reask_instruction,
    summary_fields,
)
from paperbrief.summarize.numbers.extract import extract_numbers
from paperbrief.summarize.numbers.kinds import (
    CHECKED_KINDS,
    SUMMARY_TEXT_FIELDS,
    NumberCheck,
    NumberKind,
    NumberMention,
    ReaskChoice,
    SourceScope,
    UnsupportedNumber,
)
from paperbrief.summarize.numbers.source import SourceNumbers

__all__ = [
    "CHECKED_KINDS",
    "SUMMARY_TEXT_FIELDS",
    "NumberCheck",
    "NumberKind",
    "NumberMention",
    "ReaskChoice",
    "SourceNumbers",
    "SourceScope",
    "UnsupportedNumber",
    "abstract_source",
    "check_numbers",
    "extract_numbers",
    "find_unsupported",
    "find_unsupported_mentions",
    "pick_after_reask",
    "reask_instruction",
    "summary_fields",
]
