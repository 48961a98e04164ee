"""Turn a model's text answer into validated summary fields, repairing the common breakages.

Order: strip `<think>` blocks and a code fence wrapping the whole answer, cut to the outermost JSON object, fix LaTeX
backslashes, `json.loads`, else `json_repair` (https://github.com/mangiucugna/json_repair) for a
truncated tail or stray commas, then pydantic validation. Nothing is invented: a missing key or
an out-of-range score is an `AnswerError`, which the engine answers with one re-ask.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import json_repair
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from paperbrief.summarize.llm.prompt import MAX_KEYWORDS, MIN_KEYWORDS


class AnswerError(ValueError):
    """The model's answer is not a valid summary; the message says why in one line."""


class SummaryAnswer(BaseModel):
    """The validated fields of one paper's answer."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    tldr: str = Field(min_length=1)
    motivation: str = Field(min_length=1)
    method: str = Field(min_length=1)
    conclusion: str = Field(min_length=1)
    keywords: list[str]
    score: int = Field(ge=0, le=100)
    score_reason: str = Field(min_length=1)

    @field_validator("keywords", mode="before")
    @classmethod
    def _coerce_keywords(cls, value: Any) -> Any:
        # Some models return "a, b, c" instead of an array; split it rather than fail the paper.
        if isinstance(value, str):
            value = [part for part in re.split(r"[,，;；、\n]", value)]
        if not isinstance(value, list):
            return value
        seen: set[str] = set()
        out: list[str] = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError("keywords must be strings")
            word = " ".join(item.split()).strip(" .。#\"'")
            if word and word.casefold() not in seen:
                seen.add(word.casefold())
                out.append(word)
        if len(out) < MIN_KEYWORDS:
            raise ValueError(f"need {MIN_KEYWORDS}-{MAX_KEYWORDS} distinct keywords, got {len(out)}")
        # More than asked for is trimmed (nothing invented), fewer is an error.
        return out[:MAX_KEYWORDS]

    @field_validator("score", mode="before")
    @classmethod
    def _reject_bool_and_fraction(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("score must be an integer")
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("score must be an integer")
        return value


class BatchItem(SummaryAnswer):
    """One item of a batch answer: the summary fields plus the paper id."""

    id: str = Field(min_length=1)


_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
# A code fence that wraps the whole answer (its closing line may have been cut off). Only that
# one is removed: a ``` inside a JSON string value is content, not a fence (issue 11).
_OPEN_FENCE_RE = re.compile(r"\A```[a-zA-Z0-9_-]*[ \t]*\n?")
_CLOSE_FENCE_RE = re.compile(r"\n?[ \t]*```[ \t]*\Z")
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|[A-Za-z]+|.)", re.DOTALL)
# LaTeX commands whose first letter is a valid JSON escape (\b \f \n \r \t): without this list
# `\frac` would silently parse as form feed + "rac".
_LATEX_BFNRT = frozenset(
    [
        "beta",
        "bar",
        "bf",
        "big",
        "bigg",
        "boldsymbol",
        "bm",
        "binom",
        "bot",
        "boxed",
        "frac",
        "forall",
        "flat",
        "footnote",
        "nabla",
        "neq",
        "ne",
        "nu",
        "not",
        "newline",
        "noindent",
        "nolimits",
        "nonumber",
        "rho",
        "right",
        "rightarrow",
        "rangle",
        "rceil",
        "rfloor",
        "rm",
        "theta",
        "tau",
        "times",
        "text",
        "textbf",
        "textit",
        "textrm",
        "texttt",
        "tilde",
        "to",
        "top",
        "triangle",
        "tfrac",
    ]
)


def _fix_escapes(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        tail = match.group(1)
        head = tail[0]
        if head in '"\\/' or (head == "u" and len(tail) == 5 and _is_hex(tail[1:])):
            return match.group(0)
        if head in "bfnrt":
            if tail in _LATEX_BFNRT:
                return "\\\\" + tail
            return match.group(0)
        return "\\\\" + tail  # not a JSON escape at all: a LaTeX command or symbol, keep it literal

    return _ESCAPE_RE.sub(repl, text)


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


def extract_json(text: str) -> Any:
    """The JSON value inside a model answer (fences, `<think>` and prose around it removed)."""
    body = _THINK_RE.sub("", text).strip()
    if body.startswith("```"):
        body = _CLOSE_FENCE_RE.sub("", _OPEN_FENCE_RE.sub("", body, count=1), count=1).strip()
    start = body.find("{")
    if start < 0:
        raise AnswerError(f"answer is not JSON: {_preview(text)}")
    end = body.rfind("}")
    candidate = body[start : end + 1] if end > start else body[start:]
    fixed = _fix_escapes(candidate)
    try:
        return json.loads(fixed)
    except json.JSONDecodeError:
        pass
    # A truncated tail (max_tokens reached) or a stray comma: let json_repair close it.
    repaired = json_repair.loads(_fix_escapes(body[start:]))
    if not isinstance(repaired, dict) or not repaired:
        raise AnswerError(f"answer is not JSON: {_preview(text)}")
    return repaired


def _preview(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat[:limit] + ("…" if len(flat) > limit else ""))


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "answer"
        msg = err["msg"]
        if err["type"] == "missing":
            parts.append(f"missing key {loc!r}")
        else:
            parts.append(f"{loc}: {msg} (got {_preview(repr(err.get('input')), 40)})")
    return "; ".join(parts)


def parse_summary(text: str) -> SummaryAnswer:
    """Validated fields of a one-paper answer, or `AnswerError`."""
    data = extract_json(text)
    if not isinstance(data, dict):
        raise AnswerError("answer is not a JSON object")
    if "papers" in data and isinstance(data["papers"], list) and len(data["papers"]) == 1:
        data = data["papers"][0]  # a model that answered the single request in batch form
    try:
        return SummaryAnswer.model_validate(data)
    except ValidationError as exc:
        raise AnswerError(_describe(exc)) from None


def parse_batch(text: str, sent_ids: Sequence[str]) -> tuple[dict[str, SummaryAnswer], dict[str, str]]:
    """Valid answers by id, and for every other sent id why it is missing (missing, invalid).

    Ids not sent are ignored (never attributed to another paper); an id answered twice is
    ambiguous (which item belongs to it?), so it counts as a problem and the paper is re-asked alone.
    """
    data = extract_json(text)
    items = data.get("papers") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise AnswerError('batch answer has no "papers" array')
    wanted = set(sent_ids)
    good: dict[str, SummaryAnswer] = {}
    problems: dict[str, str] = {}
    seen: set[str] = set()
    for raw in items:
        if not isinstance(raw, dict):
            continue
        pid = str(raw.get("id", "")).strip()
        pid = re.sub(r"^(?:arxiv:)", "", pid, flags=re.IGNORECASE)
        if pid not in wanted:
            continue
        if pid in seen:
            good.pop(pid, None)
            problems[pid] = "id answered more than once in the batch answer"
            continue
        seen.add(pid)
        try:
            good[pid] = SummaryAnswer.model_validate(raw)
            problems.pop(pid, None)
        except ValidationError as exc:
            problems[pid] = _describe(exc)
    for pid in sent_ids:
        if pid not in good and pid not in problems:
            problems[pid] = "id missing from the batch answer"
    return good, problems
