"""How long `build_site` takes for many stored days (the site is rebuilt from every digest each run).

    python bench/site_build.py            # 365 days x 30 papers
    python bench/site_build.py --quick    # 30 days

Prints seconds per day page and the ratio to a bound of 50 ms per page (ratio < 1 is good).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.digests import SAMPLE_DATE, sample_digest
from paperbrief.render.feed import build_feed
from paperbrief.render.site import build_site

BOUND_PER_PAGE = 0.050


def main() -> None:
    """Build the site for N days and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 days instead of 365")
    args = parser.parse_args()
    days = 30 if args.quick else 365
    template = sample_digest()
    digests = [template.model_copy(update={"date": SAMPLE_DATE - dt.timedelta(days=i)}) for i in range(days)]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        written = build_site(digests, Path(tmp), base_url="https://example.org/", feed_days=7).files
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in written)
    start = time.perf_counter()
    build_feed(digests, feed_days=7)
    feed_elapsed = time.perf_counter() - start
    per_page = elapsed / days
    print(f"days={days} papers/day={len(template.entries)} files={len(written)} bytes={size:,}")
    print(f"build_site: {elapsed:.2f} s total, {per_page * 1000:.1f} ms per day page")
    print(f"feed (7 days, 210 entries): {feed_elapsed * 1000:.1f} ms")
    print(f"ratio to the {BOUND_PER_PAGE * 1000:.0f} ms/page bound: {per_page / BOUND_PER_PAGE:.2f}")


if __name__ == "__main__":
    main()
