"""The number check of an LLM summary (issue 16, docs/numbers.md): check, one re-ask, keep and record.

After an answer validates, its text fields are checked against the text the model was given
(`paperbrief.summarize.numbers`, no LLM call). Only when a number is unsupported is the model
asked once more, in the same conversation, with `reask_instruction` naming the numbers; the new
answer is validated and checked, `pick_after_reask` keeps one, and the numbers that survive are
recorded in `Summary.unsupported_numbers` (never deleted from the text). Re-ask calls are logged
under their own prompt name, `NUMBERS_PROMPT_VERSION`, so `paperbrief logs` shows their purpose.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paperbrief.models import Paper
from paperbrief.store.db import Store
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.calllog import CallLogger, CallStatus
from paperbrief.summarize.llm.config import LLMConfig
from paperbrief.summarize.llm.errors import BreakerOpen, BudgetReached, CallFailed
from paperbrief.summarize.llm.parse import AnswerError, SummaryAnswer, parse_summary
from paperbrief.summarize.llm.transport import Session, Transport
from paperbrief.summarize.numbers import (
    SUMMARY_TEXT_FIELDS,
    NumberCheck,
    ReaskChoice,
    SourceNumbers,
    SourceScope,
    abstract_source,
    check_numbers,
    pick_after_reask,
    reask_instruction,
)

# The prompt column of the LLM log for number re-asks (the purpose of the call, like highlights').
NUMBERS_PROMPT_VERSION = "numbers-2026.11.1"

Carried = tuple[int, int, float]

FULLTEXT_TEXT_FIELDS: tuple[str, ...] = (*SUMMARY_TEXT_FIELDS, "experiments", "limitations")
"""The fields checked in a full-text summary (issue 13's two extra fields included)."""


@dataclass(frozen=True)
class Conversation:
    """The conversation a re-ask continues: its first messages, the answer parser and the schema.

    None of these given (`checked`'s default) means the one-paper abstract conversation.
    """

    messages: list[dict[str, str]]
    parse: Callable[[str], SummaryAnswer]
    schema: dict[str, Any]


@dataclass
class NumbersTally:
    """What the number check cost in one summarize call: re-asks made, their tokens, summaries still flagged."""

    reasked: int = 0
    tokens: int = 0
    still_unsupported: int = 0

    def note(self) -> str | None:
        """The run note (`numbers: 3 summaries re-asked (2,140 tokens), 1 still unsupported`); None when idle."""
        if not self.reasked and not self.still_unsupported:
            return None
        noun = "summary" if self.reasked == 1 else "summaries"
        return (
            f"numbers: {self.reasked} {noun} re-asked ({self.tokens:,} tokens), "
            f"{self.still_unsupported} still unsupported"
        )


@dataclass(frozen=True)
class Checked:
    """The answer kept after the check (and the re-ask, if any), usage so far, numbers still unsupported."""

    answer: SummaryAnswer
    carried: Carried
    unsupported: tuple[str, ...] = ()


def answer_fields(answer: SummaryAnswer, fields: Sequence[str] = SUMMARY_TEXT_FIELDS) -> dict[str, str | None]:
    """The checked text fields of an answer, by name (fields it lacks are skipped, so the list may grow)."""
    return {name: getattr(answer, name, None) for name in fields}


class NumberChecker:
    """Checks validated answers and makes the one re-ask (sharing the summarizer's session and budget)."""

    def __init__(
        self,
        config: LLMConfig,
        transport: Transport,
        store: Store | None = None,
        run_id: int | None = None,
        fields: Sequence[str] = SUMMARY_TEXT_FIELDS,
    ) -> None:
        self.config = config
        self.transport = transport
        self.store = store
        self.run_id = run_id
        self.fields = tuple(fields)

    def __repr__(self) -> str:  # never shows the key
        return f"NumberChecker(fields={self.fields!r})"

    def check(self, answer: SummaryAnswer, source: SourceNumbers) -> NumberCheck:
        """The check of one answer against its source (no call)."""
        return check_numbers(answer_fields(answer, self.fields), source)

    async def checked(
        self,
        session: Session,
        paper: Paper,
        answer: SummaryAnswer,
        carried: Carried,
        tally: NumbersTally,
        *,
        source_text: str | None = None,
        scope: SourceScope = SourceScope.ABSTRACT,
        conversation: Conversation | None = None,
    ) -> Checked:
        """Check `answer` against the text the model was given; re-ask once when a number is unsupported.

        `source_text` defaults to the paper's title + abstract; a full-text summary passes its text
        and `SourceScope.FULL_TEXT` (the re-ask then names the full text) and its `conversation`
        (the re-ask continues it and validates the new answer with its parser).
        """
        source = SourceNumbers.from_text(abstract_source(paper) if source_text is None else source_text)
        first = self.check(answer, source)
        if first.ok:
            return Checked(answer, carried)
        second_answer, after, sent = await self._reask(session, paper, answer, first, carried, scope, conversation)
        tally.reasked += int(sent)
        tally.tokens += (after[0] - carried[0]) + (after[1] - carried[1])
        second = None if second_answer is None else self.check(second_answer, source)
        if second_answer is not None and second is not None and pick_after_reask(first, second) is ReaskChoice.SECOND:
            kept, check = second_answer, second
        else:
            kept, check = answer, first
        if check.unsupported:
            tally.still_unsupported += 1
        return Checked(kept, after, check.unsupported)

    async def _reask(
        self,
        session: Session,
        paper: Paper,
        answer: SummaryAnswer,
        first: NumberCheck,
        carried: Carried,
        scope: SourceScope = SourceScope.ABSTRACT,
        conversation: Conversation | None = None,
    ) -> tuple[SummaryAnswer | None, Carried, bool]:
        """The one re-ask in a one-paper conversation: (answer or None when it failed, usage, whether it was sent)."""
        language = self.config.language
        if conversation is None:
            conversation = Conversation(
                [
                    {"role": "system", "content": P.system_prompt(language)},
                    {"role": "user", "content": P.user_prompt([paper])},
                ],
                parse_summary,
                P.summary_schema(batch=False),
            )
        messages = [
            *conversation.messages,
            {"role": "assistant", "content": json.dumps(answer.model_dump(), ensure_ascii=False)},
            {"role": "user", "content": reask_instruction(first.unsupported, language, scope)},
        ]
        logger = CallLogger(self.store, self.config.model, NUMBERS_PROMPT_VERSION, self.config.api_key, self.run_id)
        reask_session = dataclasses.replace(session, logger=logger)  # same client, limits and spend
        try:
            call = await self.transport.chat(reask_session, messages, [paper.versioned_id], conversation.schema)
        except (BudgetReached, BreakerOpen):
            return None, carried, False  # never sent; a valid answer is in hand: keep it, marked
        except CallFailed:
            return None, carried, True
        carried = (carried[0] + call.tokens_in, carried[1] + call.tokens_out, carried[2] + call.cost)
        try:
            second = conversation.parse(call.text)
        except AnswerError as exc:
            logger.log(call.record(CallStatus.INVALID, str(exc)))
            return None, carried, True
        logger.log(call.record(CallStatus.OK))
        return second, carried, True
