"""Full-text summaries (issue 13): one validated call per paper over the chosen sections of its text.

The call goes through the summarizer's `Transport`, so the run's budget (`--max-cost`/`--max-tokens`,
checked before sending), circuit breaker, retries and call log cover it like any other summary.
The answer adds 实验与关键数字 (`experiments`) and 局限性 (`limitations`) to the usual fields.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import Field, ValidationError

from paperbrief.models import Paper, Summary, SummaryStatus, TextSource
from paperbrief.redact import mask_text
from paperbrief.summarize.base import Usage
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.calllog import CallLogger, CallStatus
from paperbrief.summarize.llm.config import LLMConfig
from paperbrief.summarize.llm.errors import BreakerOpen, BudgetReached, CallFailed
from paperbrief.summarize.llm.numbers_check import FULLTEXT_TEXT_FIELDS, Conversation, NumberChecker, NumbersTally
from paperbrief.summarize.llm.parse import AnswerError, SummaryAnswer, extract_json
from paperbrief.summarize.llm.transport import Session, Transport, estimate_tokens
from paperbrief.summarize.numbers import SourceScope

if TYPE_CHECKING:
    from paperbrief.store import Store

__all__ = ["FullTextAnswer", "FullTextWriter", "parse_fulltext_answer"]


_OUTPUT_ESTIMATE = 800  # tokens of a full-text answer (nine short fields), for the budget check


class FullTextAnswer(SummaryAnswer):
    """The validated fields of a full-text answer: the summary fields plus experiments and limitations."""

    experiments: str = Field(min_length=1)
    limitations: str = Field(min_length=1)


def parse_fulltext_answer(text: str) -> FullTextAnswer:
    """Validated fields of a full-text answer, or `AnswerError` (same repairs as `parse_summary`)."""
    data = extract_json(text)
    if not isinstance(data, dict):
        raise AnswerError("answer is not a JSON object")
    try:
        return FullTextAnswer.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors())
        raise AnswerError(problems) from None


class FullTextWriter:
    """Writes one paper's summary from its full text through the summarizer's transport."""

    def __init__(
        self, config: LLMConfig, transport: Transport, store: Store | None = None, run_id: int | None = None
    ) -> None:
        self.config = config
        self.transport = transport
        self.store = store
        self.run_id = run_id
        self._numbers = NumberChecker(config, transport, store, run_id, fields=FULLTEXT_TEXT_FIELDS)

    async def summarize(self, paper: Paper, body: str, source: TextSource) -> tuple[Summary | None, Usage]:
        """The summary (None when the run is stopping: the breaker is open) and the usage of this paper's calls."""
        version = P.fulltext_prompt_version(source.value)
        logger = CallLogger(self.store, self.config.model, version, self.config.api_key, self.run_id)
        messages = [
            {"role": "system", "content": P.fulltext_system_prompt(self.config.language)},
            {"role": "user", "content": P.fulltext_user_prompt(paper, body, source.value)},
        ]
        estimate = estimate_tokens(messages, _OUTPUT_ESTIMATE)
        if self.transport.state.would_exceed(estimate):  # under the run state's lock: the other thread spends too
            # The long call is weighed before it is sent: the abstract summary may still fit the budget.
            error = f"full text (~{estimate:,} tokens) would exceed the LLM budget (--max-tokens)"
            return self._summary(paper, source, (0, 0, 0.0), status=SummaryStatus.SKIPPED_BUDGET, error=error), Usage(
                priced=self.config.priced
            )
        async with self.transport.session(logger) as session:
            summary = await self._ask_twice(session, paper, messages, source, body)
        return summary, session.spent.usage(self.config.priced)

    async def _ask_twice(
        self, session: Session, paper: Paper, messages: list[dict[str, str]], source: TextSource, body: str
    ) -> Summary | None:
        spent = (0, 0, 0.0)
        conversation = Conversation(list(messages), parse_fulltext_answer, P.fulltext_schema())
        first_error = ""
        for attempt in range(2):  # one re-ask with the validation error, then give up: never invent
            try:
                call = await self.transport.chat(session, messages, [paper.versioned_id], P.fulltext_schema())
            except BreakerOpen:
                return None
            except BudgetReached:
                status, error = SummaryStatus.SKIPPED_BUDGET, "skipped: LLM budget reached"
                return self._summary(paper, source, spent, status=status, error=error)
            except CallFailed as exc:
                return self._summary(paper, source, spent, status=SummaryStatus.FAILED, error=str(exc))
            spent = (spent[0] + call.tokens_in, spent[1] + call.tokens_out, spent[2] + call.cost)
            try:
                answer = parse_fulltext_answer(call.text)
            except AnswerError as exc:
                session.logger.log(call.record(CallStatus.INVALID, str(exc)))
                first_error = first_error or str(exc)
                if attempt == 0:
                    messages = [
                        *messages,
                        {"role": "assistant", "content": call.text},
                        {"role": "user", "content": P.reask_prompt(str(exc))},
                    ]
                continue
            session.logger.log(call.record(CallStatus.OK))
            return await self._checked(session, paper, answer, spent, source, body, conversation)
        error = f"invalid answer after re-ask: {first_error}"
        return self._summary(paper, source, spent, status=SummaryStatus.FAILED, error=error)

    async def _checked(
        self,
        session: Session,
        paper: Paper,
        answer: FullTextAnswer,
        spent: tuple[int, int, float],
        source: TextSource,
        body: str,
        conversation: Conversation,
    ) -> Summary:
        """The answer after the number check against the text the model was given (issue 16), one re-ask at most."""
        given = f"{paper.title}\n{paper.abstract}\n{body}"  # title, abstract and chosen sections, as prompted
        kept = await self._numbers.checked(
            session,
            paper,
            answer,
            spent,
            NumbersTally(),
            source_text=given,
            scope=SourceScope.FULL_TEXT,
            conversation=conversation,
        )
        return self._summary(
            paper,
            source,
            kept.carried,
            status=SummaryStatus.OK,
            unsupported_numbers=list(kept.unsupported),
            **kept.answer.model_dump(),
        )

    def _summary(self, paper: Paper, source: TextSource, spent: tuple[int, int, float], **values: object) -> Summary:
        if isinstance(values.get("error"), str):
            values["error"] = mask_text(str(values["error"]), self.config.api_key)[:500]
        return Summary(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            language=self.config.language,
            backend="llm",
            model=self.config.model,
            prompt_version=P.fulltext_prompt_version(source.value),
            text_source=source,
            tokens_in=spent[0],
            tokens_out=spent[1],
            cost=spent[2],
            created=dt.datetime.now(dt.UTC).replace(microsecond=0),
            **values,
        )
