"""SummaryWriter: extractive summaries stored in bursts, nothing lost when the block ends (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest

from paperbrief.models import Summary, SummaryStatus
from paperbrief.store import Store
from paperbrief.summarize.writer import SummaryWriter


def _summary(i: int) -> Summary:
    return Summary(
        arxiv_id=f"2602.{10000 + i:05d}",
        version=1,
        language="zh",
        backend="extractive",
        model="extractive",
        prompt_version="extractive-2",
        status=SummaryStatus.EXTRACTIVE,
        tldr=f"Sentence {i}.",
        created=dt.datetime(2026, 2, 5, tzinfo=dt.UTC),
    )


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_written_when_full_or_old_enough(store: Store) -> None:
    clock = _Clock()
    writer = SummaryWriter(store, max_items=3, max_wait=0.5, clock=clock)
    for i in range(2):
        writer.add(_summary(i))
    assert store.count_summaries() == 0  # waiting for more
    writer.add(_summary(2))
    assert store.count_summaries() == 3  # full
    writer.add(_summary(3))
    clock.now = 0.6
    writer.add(_summary(4))
    assert store.count_summaries() == 5  # the first waiting one is older than max_wait


def test_every_buffered_summary_is_stored_when_the_block_ends_even_on_ctrl_c(store: Store) -> None:
    with pytest.raises(KeyboardInterrupt), SummaryWriter(store, max_items=100) as writer:
        for i in range(7):
            writer.add(_summary(i))
        raise KeyboardInterrupt
    assert store.count_summaries() == 7
    with SummaryWriter(store, max_items=100) as writer:
        writer.add(_summary(7))
    assert store.count_summaries() == 8
