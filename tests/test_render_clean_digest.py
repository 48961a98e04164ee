"""`safe.clean_digest`: the renderers' cleaning, looked over entry by entry instead of as one JSON dump."""

from __future__ import annotations

import datetime as dt

from paperbrief.models import Digest, DigestEntry, Paper
from paperbrief.render.safe import clean_digest, clean_digest_views, clean_model


def _digest(titles: list[str], warning: str = "ok") -> Digest:
    entries = [DigestEntry(paper=Paper(arxiv_id=f"2602.{10000 + i}", title=t)) for i, t in enumerate(titles)]
    return Digest(date=dt.date(2026, 2, 4), entries=entries, warnings=[warning])


def test_a_clean_digest_is_returned_as_it_is() -> None:
    digest = _digest(["Plain title", "Another"])
    assert clean_digest(digest) is digest
    assert clean_digest(digest, bidi=False) is digest


def test_forbidden_and_bidi_characters_go_where_they_are_and_nowhere_else() -> None:
    digest = _digest(["Plain title", "Bad\x00 title \u202egnirts"], warning="note\u202e")
    shown = clean_digest(digest)
    assert [e.paper.title for e in shown.entries] == ["Plain title", "Bad title gnirts"]
    assert shown.warnings == ["note"]
    assert shown.entries[0] is digest.entries[0]  # untouched entries are not copied
    assert shown == clean_model(digest)
    data = clean_digest(digest, bidi=False)  # JSON keeps bidi controls, drops NUL
    assert [e.paper.title for e in data.entries] == ["Plain title", "Bad title \u202egnirts"]
    assert data.warnings == ["note\u202e"]
    assert digest.entries[1].paper.title == "Bad\x00 title \u202egnirts"  # the input is not changed


def test_both_views_from_one_look_match_the_two_cleanings() -> None:
    clean = _digest(["Plain title", "Another"])
    assert clean_digest_views(clean) == (clean, clean)
    assert all(view is clean for view in clean_digest_views(clean))
    dirty = _digest(["Plain title", "Bad\x00 title \u202egnirts", "Form\x0cfeed"], warning="note\u202e")
    shown, data = clean_digest_views(dirty)
    assert [e.paper.title for e in shown.entries] == ["Plain title", "Bad title gnirts", "Formfeed"]
    assert [e.paper.title for e in data.entries] == ["Plain title", "Bad title \u202egnirts", "Formfeed"]
    assert (shown.warnings, data.warnings) == (["note"], ["note\u202e"])
    assert shown == clean_digest(dirty) and data == clean_digest(dirty, bidi=False)
    assert shown.entries[0] is data.entries[0] is dirty.entries[0]  # a clean entry is shared, not copied
