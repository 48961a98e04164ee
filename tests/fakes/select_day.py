"""The fixture day for selection tests: the 30 reference papers plus a few crafted ones."""

from __future__ import annotations

import datetime as dt

from fakes.reference import reference_paper, reference_rows
from paperbrief.models import AnnounceType, Paper

DAY = dt.date(2026, 2, 5)


def sample_papers() -> list[Paper]:
    """The 30 papers behind the reference report (its JSON uses `id` for the arXiv id)."""
    return [reference_paper(row, announced=DAY) for row in reference_rows()]


def crafted_papers() -> list[Paper]:
    """Papers that exercise the filters: a cross-list, an off-topic category, tokens, a watched author, a tie."""
    twin_abstract = (
        "We study reinforcement learning for robotic grasping with sparse rewards and show that a simple "
        "curriculum over grasp difficulty improves sample efficiency."
    )
    return [
        Paper(
            arxiv_id="2602.04900",
            title="Legged Locomotion with Reinforcement Learning in the Wild",
            authors=["Ada Roboticist"],
            abstract="A reinforcement learning controller for legged robots.",
            categories=["cs.RO", "cs.LG"],
            primary_category="cs.RO",
            announce_type=AnnounceType.CROSS,
        ),
        Paper(
            arxiv_id="2602.04901",
            title="Minimax Rates for Sparse Regression",
            authors=["Stat Person"],
            abstract="We derive minimax rates for sparse regression.",
            categories=["math.ST"],
            primary_category="math.ST",
        ),
        Paper(
            arxiv_id="2602.04902",
            title="Tokenizer-Free Language Modeling at the Byte Level",
            authors=["Byte Writer"],
            abstract="A tokenizer is not needed: we model bytes directly in the domain "
            "of multilingual text, training end to end.",
            categories=["cs.CL"],
            primary_category="cs.CL",
            comment="9 pages, 4 figures",
        ),
        Paper(
            arxiv_id="2602.04903",
            title="Self-Supervised Learning of World Models",
            authors=["Yann LeCun", "José Hernández-Orallo"],
            abstract="Each token of the latent sequence predicts the next state of the world model.",
            categories=["cs.LG"],
            primary_category="cs.LG",
            comment="Accepted at ICLR 2026. Code: https://github.com/example/world-models.",
        ),
        Paper(
            arxiv_id="2602.04904",
            title="Curriculum Grasping",
            authors=["Twin A"],
            abstract=twin_abstract,
            categories=["cs.LG"],
            primary_category="cs.LG",
        ),
        Paper(
            arxiv_id="2602.04905",
            title="Curriculum Grasping",
            authors=["Twin B"],
            abstract=twin_abstract,
            categories=["cs.LG"],
            primary_category="cs.LG",
        ),
    ]


def fixture_day() -> list[Paper]:
    """The sample day plus the crafted papers (36 papers)."""
    return sample_papers() + crafted_papers()
