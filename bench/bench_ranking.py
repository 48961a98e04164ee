"""Benchmark: does the learned ranker learn? Simulated readers on real arXiv metadata (docs/ranking.md).

Data: the recorded 2024-11-28 announcement (1,504 real papers over every archive), the 16 OAI-PMH
records and the 30 reference papers of 2026-02-04, deduplicated (1,550 papers). arXiv ids grow
with submission time, so sorting by id orders the papers in time: the oldest 60 % are the
"earlier days" that readers rate, the next 20 % and the newest 20 % are two later "days" to rank.

Readers have a hidden interest the rankers never see, and visible topics (what they would type
into `select.topics`). Four kinds: a category person (hidden: one or two primary categories), a
topic person (hidden: a family of keywords; visible: one of them), an author follower (hidden:
papers by about 20 authors), and a mixed reader (a category and a keyword family) whose ratings
carry 15 % label noise. Readers rate earlier papers the way a digest shows them: 40 % of events
like (or save) a relevant paper, the others dislike (or hide) an irrelevant one, half of those
picked from the top of the BM25 ranking (what the reader was shown and did not want).

Methods, same readers, same events, same days, same run:
  paperbrief      LearnedRanker (blend with the BM25 prior, exploration 10 % of 30 slots)
  paperbrief-x0   the same model without exploration slots
  bm25-topics     today's ranking: BM25 over the reader's visible topics
  arxiv-sanity    TF-IDF (1-2 grams, its compute.py defaults) + LinearSVC(C=0.01, balanced)
                  trained on liked = 1, every other paper of the database = 0 (its serve.py)
  embedding-knn   zotero-arxiv-daily: cosine to liked papers' embeddings (only with a local model)

    python bench/bench_ranking.py                 # the reported run: seeds 10-14, 8 readers each
    python bench/bench_ranking.py --dev           # seeds 0-2: the seeds constants were set on
    python bench/bench_ranking.py --quick         # one seed, for a smoke test
    python bench/bench_ranking.py --timing-only   # 1,000 events + a 1,000-paper day: time and memory
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import average_precision_score, ndcg_score
from sklearn.svm import LinearSVC

from paperbrief.models import Paper
from paperbrief.select.learn import FeedbackAction, FeedbackEvent, LearnedRanker, prior_entries
from paperbrief.select.rank import ProfileEntry, newest_first, rank_candidates

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
sys.path.insert(0, str(DATA.parent))
from fakes.real_papers import load_real_papers  # noqa: E402

POINTS = (0, 10, 30, 100, 300)
SLOTS = 30
NOISE = 0.15

# Visible topics a category person would type (arXiv's category names).
CATEGORY_TOPICS = {
    "cs.CV": {"computer vision": 1.0, "image recognition": 1.0},
    "cs.LG": {"machine learning": 1.0, "neural networks": 1.0},
    "cs.CL": {"natural language processing": 1.0, "language models": 1.0},
    "quant-ph": {"quantum": 1.0, "quantum information": 1.0},
    "hep-ph": {"particle physics phenomenology": 1.0, "collider": 1.0},
    "cs.RO": {"robotics": 1.0, "robot": 1.0},
    "gr-qc": {"general relativity": 1.0, "gravitation": 1.0},
    "hep-th": {"string theory": 1.0, "quantum field theory": 1.0},
    "math.AP": {"partial differential equations": 1.0},
    "astro-ph.HE": {"high energy astrophysics": 1.0},
    "eess.SP": {"signal processing": 1.0},
    "astro-ph.GA": {"galaxies": 1.0},
    "math.CO": {"combinatorics": 1.0, "graphs": 1.0},
    "cs.CR": {"security": 1.0, "cryptography": 1.0},
}

# Keyword families: (hidden pattern over title + abstract, the one topic the reader types).
TOPIC_FAMILIES = {
    "llm": (r"\b(large language models?|llms?|language models?|gpt|instruction tuning)\b", "large language models"),
    "diffusion": (r"\b(diffusion models?|denoising diffusion|score-based|text-to-image)\b", "diffusion models"),
    "rl": (r"\b(reinforcement learning|reward|policy optimization|policies)\b", "reinforcement learning"),
    "graphs": (r"\b(graph neural|gnns?|message passing|node classification|graph learning)\b", "graph neural networks"),
    "qcomp": (r"\b(qubits?|quantum circuits?|quantum comput\w*|quantum error)\b", "quantum computing"),
    "bh": (r"\b(black holes?|gravitational waves?|event horizon)\b", "black holes"),
    "robots": (r"\b(robots?|robotic|manipulation|locomotion|grasp\w*)\b", "robot manipulation"),
    "3d": (r"\b(3d|point clouds?|gaussian splatting|nerf|radiance fields?)\b", "3D reconstruction"),
    "medical": (r"\b(medical|clinical|patients?|mri|radiology)\b", "medical imaging"),
    "cosmo": (r"\b(dark matter|dark energy|cosmolog\w*|galaxy clusters?)\b", "dark matter"),
    "speech": (r"\b(speech|audio|speaker|acoustic)\b", "speech recognition"),
    "security": (r"\b(adversarial|attacks?|jailbreak\w*|privacy|backdoor)\b", "adversarial attacks"),
    "superc": (r"\b(superconduct\w*|cuprates?|pairing symmetry)\b", "superconductivity"),
    "optim": (r"\b(convex|gradient descent|stochastic optimization|convergence rates?)\b", "convex optimization"),
}


@dataclass
class Reader:
    """A simulated reader: hidden relevance, visible topics, label noise."""

    name: str
    kind: str
    relevant: Callable[[Paper], bool]
    topics: dict[str, float]
    noise: float = 0.0


@dataclass
class Split:
    """Earlier papers to rate and later days to rank."""

    pool: list[Paper]
    days: list[list[Paper]]


def load_papers() -> list[Paper]:
    """Every real paper the repository holds (tests/fakes/real_papers.py), oldest id first."""
    return load_real_papers()


def split(papers: Sequence[Paper]) -> Split:
    """Oldest 60 % to rate; the next 20 % and the newest 20 % are two days to rank."""
    n = len(papers)
    a, b = int(n * 0.6), int(n * 0.8)
    return Split(list(papers[:a]), [list(papers[a:b]), list(papers[b:])])


def _text(p: Paper) -> str:
    return f"{p.title} {p.abstract}".lower()


def _enough(data: Split, relevant: Callable[[Paper], bool], pool_min: int = 8, day_min: int = 3) -> bool:
    return sum(map(relevant, data.pool)) >= pool_min and all(sum(map(relevant, d)) >= day_min for d in data.days)


def _category_reader(rng: random.Random, data: Split, index: int) -> Reader:
    while True:
        cats = rng.sample(sorted(CATEGORY_TOPICS), rng.choice((1, 2)))
        wanted = set(cats)

        def relevant(p: Paper, wanted: set[str] = wanted) -> bool:
            return p.primary in wanted

        if _enough(data, relevant):
            topics = {t: w for c in cats for t, w in CATEGORY_TOPICS[c].items()}
            return Reader(f"category-{index}:{'+'.join(cats)}", "category", relevant, topics)


def _topic_reader(rng: random.Random, data: Split, index: int) -> Reader:
    while True:
        families = rng.sample(sorted(TOPIC_FAMILIES), rng.choice((1, 2)))
        pattern = re.compile("|".join(TOPIC_FAMILIES[f][0] for f in families))

        def relevant(p: Paper, pattern: re.Pattern[str] = pattern) -> bool:
            return pattern.search(_text(p)) is not None

        if _enough(data, relevant):
            topics = {TOPIC_FAMILIES[f][1]: 1.0 for f in families}
            return Reader(f"topic-{index}:{'+'.join(families)}", "topic", relevant, topics)


def _author_reader(rng: random.Random, data: Split, index: int) -> Reader:
    # Authors with a paper among the earlier ones and one among the later ones: followable.
    early = {a for p in data.pool for a in p.authors}
    late = {a for d in data.days for p in d for a in p.authors}
    followable = sorted(early & late)
    while True:
        followed = set(rng.sample(followable, min(25, len(followable))))

        def relevant(p: Paper, followed: set[str] = followed) -> bool:
            return any(a in followed for a in p.authors)

        if _enough(data, relevant, pool_min=8, day_min=2):
            primaries = [p.primary for p in data.pool if relevant(p)]
            main = max(sorted(set(primaries)), key=primaries.count)  # sorted: ties the same in every run
            topics = dict(CATEGORY_TOPICS.get(main, {main.split(".")[0]: 1.0}))
            return Reader(f"author-{index}", "author", relevant, topics)


def _mixed_reader(rng: random.Random, data: Split, index: int) -> Reader:
    while True:
        cat = rng.choice(sorted(CATEGORY_TOPICS))
        family = rng.choice(sorted(TOPIC_FAMILIES))
        pattern = re.compile(TOPIC_FAMILIES[family][0])

        def relevant(p: Paper, cat: str = cat, pattern: re.Pattern[str] = pattern) -> bool:
            return p.primary == cat or pattern.search(_text(p)) is not None

        if _enough(data, relevant):
            topics = {TOPIC_FAMILIES[family][1]: 1.0}
            return Reader(f"mixed-{index}:{cat}+{family}", "mixed", relevant, topics, noise=NOISE)


def make_readers(rng: random.Random, data: Split, per_kind: int) -> list[Reader]:
    """`per_kind` readers of each of the four kinds."""
    makers = (_category_reader, _topic_reader, _author_reader, _mixed_reader)
    return [make(rng, data, i) for make in makers for i in range(per_kind)]


def simulate_events(rng: random.Random, reader: Reader, pool: Sequence[Paper], count: int) -> list[FeedbackEvent]:
    """The reader's first `count` ratings of earlier papers (prefixes give the learning curve)."""
    shown = [r.paper for r in rank_candidates(pool, prior_entries(reader.topics, []))][:60]
    relevant = [p for p in pool if reader.relevant(p)]
    irrelevant = [p for p in pool if not reader.relevant(p)]
    shown_irrelevant = [p for p in shown if not reader.relevant(p)]
    for group in (relevant, irrelevant, shown_irrelevant):
        rng.shuffle(group)
    rated: set[str] = set()
    start = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    events: list[FeedbackEvent] = []
    while len(events) < count:
        like = rng.random() < 0.4
        source = relevant if like else (shown_irrelevant if rng.random() < 0.5 else irrelevant)
        source = [p for p in source if p.arxiv_id not in rated][:1] or [
            p for p in irrelevant if p.arxiv_id not in rated
        ][:1]
        if not source:
            break
        paper = source[0]
        rated.add(paper.arxiv_id)
        positive = reader.relevant(paper)
        if rng.random() < reader.noise:
            positive = not positive
        if positive:
            action = FeedbackAction.SAVE if rng.random() < 0.2 else FeedbackAction.LIKE
        else:
            action = FeedbackAction.HIDE if rng.random() < 0.2 else FeedbackAction.DISLIKE
        # About ten ratings a day.
        events.append(FeedbackEvent(paper.arxiv_id, action, start + dt.timedelta(hours=2.4 * len(events))))
    return events


# --- methods ---------------------------------------------------------------------------------


def rank_paperbrief(
    events: Sequence[FeedbackEvent],
    pool: Sequence[Paper],
    prior: Sequence[ProfileEntry],
    day: Sequence[Paper],
    seed: int,
) -> tuple[list[str], list[str]]:
    """paperbrief's learned ranking with and without exploration slots (one fitted model)."""
    model = LearnedRanker(seed=seed).fit(events, {p.arxiv_id: p for p in pool}, prior)
    with_explore = [r.arxiv_id for r in model.rank(day, slots=SLOTS)]
    plain = dataclasses.replace(model, exploration=0.0)
    return with_explore, [r.arxiv_id for r in plain.rank(day, slots=SLOTS)]


def rank_bm25(prior: Sequence[ProfileEntry], day: Sequence[Paper]) -> list[str]:
    """Today's ranking: BM25 over the visible topics."""
    return [r.paper.arxiv_id for r in rank_candidates(day, prior)]


class ArxivSanity:
    """arxiv-sanity-lite: compute.py's TF-IDF over the whole database, serve.py's per-tag SVM."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        vectorizer = TfidfVectorizer(
            input="content",
            encoding="utf-8",
            decode_error="replace",
            strip_accents="unicode",
            lowercase=True,
            analyzer="word",
            stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
            ngram_range=(1, 2),
            max_features=10000,
            norm="l2",
            use_idf=True,
            smooth_idf=True,
            sublinear_tf=True,
            max_df=0.5,
            min_df=5,
        )
        corpus = [" ".join([p.title, p.abstract, " ".join(p.authors)]) for p in papers]
        self.x = vectorizer.fit_transform(corpus).astype(np.float32)
        self.index = {p.arxiv_id: i for i, p in enumerate(papers)}

    def rank(self, events: Sequence[FeedbackEvent], day: Sequence[Paper]) -> list[str]:
        """Tagged (liked/saved) = 1, every other paper = 0; rank the day by the SVM's decision."""
        liked = {e.arxiv_id for e in events if FeedbackAction(e.action).positive}
        if not liked:
            return [p.arxiv_id for p in newest_first(day)]  # no tag yet: arxiv-sanity lists newest
        y = np.zeros(self.x.shape[0], dtype=np.float32)
        for arxiv_id in liked:
            y[self.index[arxiv_id]] = 1.0
        clf = LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01, random_state=0)
        clf.fit(self.x, y)
        scores = clf.decision_function(self.x[[self.index[p.arxiv_id] for p in day]])
        order = sorted(range(len(day)), key=lambda i: (-scores[i], day[i].arxiv_id))
        return [day[i].arxiv_id for i in order]


def local_embedding_model() -> str | None:
    """A sentence-transformers model already on disk (PAPERBRIEF_BENCH_EMBEDDING or the usual one)."""
    from paperbrief.select.rank import EmbeddingUnavailable, load_local_embedding_model

    name = os.environ.get("PAPERBRIEF_BENCH_EMBEDDING", "sentence-transformers/all-MiniLM-L6-v2")
    try:
        load_local_embedding_model(name)
    except EmbeddingUnavailable as exc:
        print(f"embedding-knn not run: {exc}")
        return None
    return name


class EmbeddingKnn:
    """zotero-arxiv-daily: candidates scored by time-decayed mean cosine to the liked papers."""

    def __init__(self, model_name: str, papers: Sequence[Paper]) -> None:
        from paperbrief.select.rank import load_local_embedding_model

        model = load_local_embedding_model(model_name)
        vectors = model.encode([p.abstract for p in papers], normalize_embeddings=True, show_progress_bar=False)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.index = {p.arxiv_id: i for i, p in enumerate(papers)}

    def rank(self, events: Sequence[FeedbackEvent], day: Sequence[Paper]) -> list[str]:
        """Newest liked paper weighs most (1 / (1 + log10 rank)), as zotero-arxiv-daily weighs its corpus."""
        liked = [e for e in sorted(events, key=lambda e: e.time, reverse=True) if FeedbackAction(e.action).positive]
        if not liked:
            return [p.arxiv_id for p in newest_first(day)]
        weights = 1 / (1 + np.log10(np.arange(len(liked)) + 1))
        weights = weights / weights.sum()
        corpus = self.vectors[[self.index[e.arxiv_id] for e in liked]]
        cands = self.vectors[[self.index[p.arxiv_id] for p in day]]
        scores = (cands @ corpus.T) @ weights
        order = sorted(range(len(day)), key=lambda i: (-scores[i], day[i].arxiv_id))
        return [day[i].arxiv_id for i in order]


# --- metrics and the run ----------------------------------------------------------------------


def metrics(order: Sequence[str], day: Sequence[Paper], reader: Reader) -> tuple[float, float]:
    """Average precision and nDCG@10 of a ranked list against the hidden relevance."""
    truth = {p.arxiv_id: reader.relevant(p) for p in day}
    y = np.asarray([[1.0 if truth[i] else 0.0 for i in order]])
    score = np.asarray([[float(len(order) - k) for k in range(len(order))]])
    return float(average_precision_score(y[0], score[0])), float(ndcg_score(y, score, k=10))


Results = dict[tuple[str, int], list[tuple[float, float]]]


def run_seed(
    seed: int, data: Split, per_kind: int, embed: EmbeddingKnn | None, sanity: ArxivSanity
) -> tuple[Results, dict[str, Results]]:
    """Every method at every point for this seed's readers: (overall, per reader kind)."""
    rng = random.Random(seed)
    readers = make_readers(rng, data, per_kind)
    overall: Results = {}
    by_kind: dict[str, Results] = {}
    for reader in readers:
        prior = prior_entries(reader.topics, [])
        events = simulate_events(random.Random(rng.random()), reader, data.pool, max(POINTS))
        for day in data.days:
            if not any(reader.relevant(p) for p in day):
                continue
            bm25 = metrics(rank_bm25(prior, day), day, reader)
            for n in POINTS:
                first = events[:n]
                explore, plain = rank_paperbrief(first, data.pool, prior, day, seed)
                found = {
                    "paperbrief": metrics(explore, day, reader),
                    "paperbrief-x0": metrics(plain, day, reader),
                    "bm25-topics": bm25,
                    "arxiv-sanity": metrics(sanity.rank(first, day), day, reader),
                }
                if embed is not None:
                    found["embedding-knn"] = metrics(embed.rank(first, day), day, reader)
                for method, value in found.items():
                    overall.setdefault((method, n), []).append(value)
                    by_kind.setdefault(reader.kind, {}).setdefault((method, n), []).append(value)
    return overall, by_kind


def _mean_sd(values: Sequence[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.3f} ± {sd:.3f}"


def report(per_seed: list[Results], methods: Sequence[str]) -> None:
    """Markdown tables: mean over readers and days per seed, then mean ± sd over seeds."""
    for index, name in ((0, "average precision"), (1, "nDCG@10")):
        print(f"\n{name} (mean ± sd over {len(per_seed)} seeds)\n")
        print("| method | " + " | ".join(f"{n} events" for n in POINTS) + " |")
        print("|---" * (len(POINTS) + 1) + "|")
        for method in methods:
            cells = []
            for n in POINTS:
                means = [statistics.fmean(v[index] for v in r[(method, n)]) for r in per_seed if (method, n) in r]
                cells.append(_mean_sd(means) if means else "not run")
            print(f"| {method} | " + " | ".join(cells) + " |")


def report_kinds(kinds: dict[str, list[Results]], methods: Sequence[str]) -> None:
    """Average precision per reader kind (mean over seeds), to see where each method wins."""
    print("\naverage precision per reader kind (mean over seeds)\n")
    print("| kind | method | " + " | ".join(str(n) for n in POINTS) + " |")
    print("|---" * (len(POINTS) + 2) + "|")
    for kind, results in sorted(kinds.items()):
        for method in methods:
            cells = []
            for n in POINTS:
                values = [v[0] for r in results for v in r.get((method, n), [])]
                cells.append(f"{statistics.fmean(values):.3f}" if values else "-")
            print(f"| {kind} | {method} | " + " | ".join(cells) + " |")


# --- timing ------------------------------------------------------------------------------------


def timing(papers: Sequence[Paper]) -> None:
    """Fit on 1,000 events and rank a 1,000-paper day: wall time and peak traced memory vs. the bounds."""
    rng = random.Random(7)
    pool = list(papers)
    while len(pool) < 2000:  # spliced real abstracts (seeded) when the fixtures run out
        a, b = rng.sample(list(papers), 2)
        half = len(a.abstract) // 2
        pool.append(
            a.model_copy(
                update={"arxiv_id": f"2499.{len(pool):05d}", "abstract": a.abstract[:half] + b.abstract[half:]}
            )
        )
    rated, day = pool[:1000], pool[1000:2000]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    actions = [
        FeedbackAction.LIKE,
        FeedbackAction.DISLIKE,
        FeedbackAction.DISLIKE,
        FeedbackAction.SAVE,
        FeedbackAction.HIDE,
    ]
    events = [
        FeedbackEvent(p.arxiv_id, rng.choice(actions), start + dt.timedelta(hours=i)) for i, p in enumerate(rated)
    ]
    prior = prior_entries({"large language models": 1.0, "diffusion models": 1.0, "quantum computing": 0.5}, [])
    by_id = {p.arxiv_id: p for p in rated}

    def once() -> None:
        LearnedRanker().fit(events, by_id, prior).rank(day)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    once()  # warm imports and caches
    runs, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        once()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    tracemalloc.start()
    once()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best, mib = min(runs), peak / 2**20
    # The whole process's peak resident set (interpreter, numpy, scipy, sklearn, the data) for context.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\ntiming: fit on 1,000 events + rank a 1,000-paper day: best of 3 {best:.3f} s wall"
        f" (bound 1 s, ratio {best:.2f}), {min(cpu):.3f} s CPU (the machine is shared)"
    )
    print(
        f"memory: peak traced {mib:.0f} MiB (bound 200 MB, ratio {mib / 190.7:.2f}); process peak RSS"
        f" {rss:.0f} MiB, {rss_before:.0f} MiB of it before the first fit (interpreter, libraries, fixtures)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the learning curve (and the timing) and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", action="store_true", help="seeds 0-2 (the ones the constants were set on)")
    parser.add_argument("--quick", action="store_true", help="one seed, one reader per kind")
    parser.add_argument("--timing-only", action="store_true")
    args = parser.parse_args(argv)
    papers = load_papers()
    if not args.timing_only:
        data = split(papers)
        seeds = [0, 1, 2] if args.dev else [10] if args.quick else [10, 11, 12, 13, 14]
        per_kind = 1 if args.quick else 2
        print(
            f"{len(papers)} papers: {len(data.pool)} earlier (rated), days of {[len(d) for d in data.days]} ranked;"
            f" seeds {seeds}, {per_kind} reader(s) per kind"
        )
        name = local_embedding_model()
        embed = EmbeddingKnn(name, papers) if name else None
        sanity = ArxivSanity(papers)
        per_seed: list[Results] = []
        kinds: dict[str, list[Results]] = {}
        t0 = time.perf_counter()
        for seed in seeds:
            overall, by_kind = run_seed(seed, data, per_kind, embed, sanity)
            per_seed.append(overall)
            for kind, res in by_kind.items():
                kinds.setdefault(kind, []).append(res)
        methods = ["paperbrief", "paperbrief-x0", "bm25-topics", "arxiv-sanity"] + (["embedding-knn"] if embed else [])
        report(per_seed, methods)
        report_kinds(kinds, methods)
        print(f"\n(learning curve: {time.perf_counter() - t0:.0f} s)")
    timing(papers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
