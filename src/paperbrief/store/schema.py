"""Today's schema as SQLAlchemy tables, for queries only.

Migrations never use these objects (they hold their own frozen DDL in `migrations.py`), so a change
here must come with a new migration that makes the same change to existing databases.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

metadata = sa.MetaData()

papers = sa.Table(
    "papers",
    metadata,
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("authors", sa.JSON, nullable=False),
    sa.Column("abstract", sa.Text, nullable=False),
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("primary_category", sa.String(64)),
    sa.Column("published", sa.DateTime(timezone=True)),
    sa.Column("updated", sa.DateTime(timezone=True)),
    sa.Column("comment", sa.Text),
    sa.Column("journal_ref", sa.Text),
    sa.Column("doi", sa.String(255)),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
)

announcements = sa.Table(
    "announcements",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("announce_type", sa.String(16), nullable=False),
)

summaries = sa.Table(
    "summaries",
    metadata,
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("model", sa.String(128), primary_key=True),
    sa.Column("prompt_version", sa.String(32), primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("backend", sa.String(32), nullable=False),
    sa.Column("tldr", sa.Text),
    sa.Column("motivation", sa.Text),
    sa.Column("method", sa.Text),
    sa.Column("conclusion", sa.Text),
    sa.Column("keywords", sa.JSON, nullable=False),
    sa.Column("experiments", sa.Text),  # m007: full-text summaries (issue 13)
    sa.Column("limitations", sa.Text),
    sa.Column("text_source", sa.String(16)),
    sa.Column("score", sa.Integer),
    sa.Column("score_reason", sa.Text),
    sa.Column("tokens_in", sa.Integer, nullable=False, default=0),
    sa.Column("tokens_out", sa.Integer, nullable=False, default=0),
    sa.Column("cost", sa.Float, nullable=False, default=0.0),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("unsupported_numbers", sa.JSON),  # m006; NULL (rows from before) reads as []
)

llm_log = sa.Table(
    "llm_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.Integer),
    sa.Column("paper_ids", sa.Text, nullable=False),
    sa.Column("model", sa.String(128), nullable=False),
    sa.Column("prompt_version", sa.String(32), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("response", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("tokens_in", sa.Integer, nullable=False, default=0),
    sa.Column("tokens_out", sa.Integer, nullable=False, default=0),
    sa.Column("latency_ms", sa.Float, nullable=False, default=0.0),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("started", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("summarizer", sa.String(32), nullable=False),
    sa.Column("stats", sa.JSON),
    sa.Column("error", sa.Text),
    # m005: who runs it and until when it counts as alive (a killed run is marked abandoned).
    sa.Column("host", sa.String(255)),
    sa.Column("pid", sa.Integer),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
)

# One row per reader (m011), day and language: the digest as zlib-compressed JSON. Compressed because a day is
# rebuilt from it for the site and e-mail, and a 10,000-paper day as a JSON column cost ~120 MB.
digest_archive = sa.Table(
    "digest_archive",
    metadata,
    sa.Column("reader", sa.String(128), primary_key=True, server_default=sa.text("'me'")),  # m011
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("body_z", sa.LargeBinary, nullable=False),
    sa.Column("entries", sa.Integer, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)

# Which paper versions each digest published: "not repeated across days" without reading bodies.
digest_papers = sa.Table(
    "digest_papers",
    metadata,
    sa.Column("reader", sa.String(128), primary_key=True, server_default=sa.text("'me'")),  # m011
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("channel", sa.String(255), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)

reading_list = sa.Table(
    "reading_list",
    metadata,
    sa.Column("reader", sa.String(128), primary_key=True, server_default=sa.text("'me'")),  # m011
    sa.Column("item_id", sa.String(255), primary_key=True),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("arxiv_id", sa.String(64)),
    sa.Column("added", sa.DateTime(timezone=True), nullable=False),
)

state = sa.Table(
    "state",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)

migrations_table = sa.Table(
    "_migrations",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("applied", sa.DateTime(timezone=True), nullable=False),
)

# m005: who is summarizing a paper right now (under one cache key), and until when.
summary_claims = sa.Table(
    "summary_claims",
    metadata,
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("model", sa.String(128), primary_key=True),
    sa.Column("prompt_version", sa.String(32), primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("run_id", sa.Integer),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed", sa.DateTime(timezone=True)),
)


# The lease of a free claim row: long past.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def released_claims() -> sa.Update:
    """An UPDATE that frees claims (add a `.where`): the row stays, so claiming again writes nothing new."""
    return summary_claims.update().values(run_id=None, lease_until=EPOCH)


# m010_llm_batches: bulk summaries sent through a provider's Batch API (docs/bulk.md).
llm_batches = sa.Table(
    "llm_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.String(128)),
    sa.Column("endpoint", sa.String(255), nullable=False),
    sa.Column("model", sa.String(128), nullable=False),
    sa.Column("prompt_version", sa.String(32), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("provider_status", sa.String(32)),
    sa.Column("input_file_id", sa.String(128)),
    sa.Column("output_file_id", sa.String(128)),
    sa.Column("error_file_id", sa.String(128)),
    sa.Column("first_day", sa.Date),
    sa.Column("last_day", sa.Date),
    sa.Column("requests", sa.Integer, nullable=False),
    sa.Column("estimated_tokens", sa.Integer, nullable=False),
    sa.Column("estimated_cost", sa.Float),
    sa.Column("error", sa.Text),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)

llm_batch_items = sa.Table(
    "llm_batch_items",
    metadata,
    sa.Column("batch", sa.Integer, primary_key=True),
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
)

# m007: full texts and first figures read from arXiv, by paper version (issue 13).
fulltexts = sa.Table(
    "fulltexts",
    metadata,
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("text_z", sa.LargeBinary),
    sa.Column("notes", sa.JSON, nullable=False),
    sa.Column("figure", sa.LargeBinary),
    sa.Column("figure_type", sa.String(32)),
    sa.Column("figure_width", sa.Integer),
    sa.Column("figure_height", sa.Integer),
    sa.Column("figure_caption", sa.Text),
    sa.Column("fetched", sa.DateTime(timezone=True), nullable=False),
)

# m008 (issue 12): every feedback event of every reader, in order; the paper may be unknown yet.
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reader", sa.String(128), nullable=False),
    sa.Column("arxiv_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
)

# m008: each reader's fitted ranking model, valid while its fingerprint matches their feedback.
reader_models = sa.Table(
    "reader_models",
    metadata,
    sa.Column("reader", sa.String(128), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("model", sa.LargeBinary, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)
