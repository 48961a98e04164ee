"""The weekly report's two charts, as inline SVG for the site and as PNG (Pillow) for the e-mail.

SVG text uses `currentColor`, so the charts follow the page's light or dark theme; nothing is
fetched (https://developer.mozilla.org/en-US/docs/Web/SVG). The PNG labels bars by number and
category: the e-mail's HTML names the numbered terms next to it, so no CJK font is needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from markupsafe import Markup
from PIL import Image, ImageDraw, ImageFont

from paperbrief.weekly import DayCount, Trend
from paperbrief.weekly.trends import Direction

RISING_COLOR = "#2e8540"
FALLING_COLOR = "#c0392b"
# A colour-blind-safe qualitative palette (Okabe–Ito), cycled over categories.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_ROW = 22
_LABEL_W = 190
_BAR_W = 260


def categories_of(per_day: Sequence[DayCount]) -> list[str]:
    """Every category of the week, most papers first, ties by name."""
    totals: dict[str, int] = {}
    for day in per_day:
        for cat, n in day.categories.items():
            totals[cat] = totals.get(cat, 0) + n
    return sorted(totals, key=lambda c: (-totals[c], c))


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def trend_chart_svg(trends: Sequence[Trend], title: str) -> Markup:
    """Horizontal bars of each term's change against the baseline (green rising, red falling)."""
    if not trends:
        return Markup("")
    biggest = max(abs(t.change) for t in trends) or 1.0
    height = _ROW * len(trends) + 30
    width = _LABEL_W + _BAR_W + 140
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" '
            'width="{w}" height="{h}" aria-label="{t}"><title>{t}</title>'
        ).format(w=width, h=height, t=title)
    ]
    for i, trend in enumerate(trends):
        y = 20 + i * _ROW
        length = max(2.0, abs(trend.change) / biggest * _BAR_W)
        color = RISING_COLOR if trend.direction is Direction.RISING else FALLING_COLOR
        sign = "+" if trend.change > 0 else ""
        parts.append(
            Markup(
                '<g class="trend trend-{d}"><text x="{lx}" y="{ty}" text-anchor="end" fill="currentColor" '
                'font-size="13">{term}</text><rect x="{bx}" y="{y}" width="{bw:.1f}" height="14" fill="{c}"/>'
                '<text x="{vx:.1f}" y="{ty}" fill="currentColor" font-size="12">{count} ({sign}{change:g})</text></g>'
            ).format(
                d=trend.direction.value,
                lx=_LABEL_W - 8,
                ty=y + 12,
                term=trend.term,
                bx=_LABEL_W,
                y=y,
                bw=length,
                c=color,
                vx=_LABEL_W + length + 6,
                count=trend.count,
                sign=sign,
                change=trend.change,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def category_chart_svg(per_day: Sequence[DayCount], title: str) -> Markup:
    """Stacked columns: papers per primary category on each day of the week, with a legend."""
    cats = categories_of(per_day)
    if not cats:
        return Markup("")
    tallest = max(sum(d.categories.values()) for d in per_day) or 1
    col_w, gap, plot_h, top = 56, 18, 160, 16
    legend_h = 18 * ((len(cats) + 3) // 4)
    width = max(len(per_day) * (col_w + gap) + gap, 4 * 120)
    height = top + plot_h + 24 + legend_h + 8
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" '
            'width="{w}" height="{h}" aria-label="{t}"><title>{t}</title>'
        ).format(w=width, h=height, t=title)
    ]
    for i, day in enumerate(per_day):
        x = gap + i * (col_w + gap)
        base = float(top + plot_h)
        for j, cat in enumerate(cats):
            n = day.categories.get(cat, 0)
            if not n:
                continue
            h = n / tallest * plot_h
            base -= h
            parts.append(
                Markup(
                    '<rect x="{x}" y="{y:.1f}" width="{w}" height="{h:.1f}" fill="{c}"><title>{t}</title></rect>'
                ).format(x=x, y=base, w=col_w, h=h, c=_color(j), t=f"{day.date.isoformat()} {cat}: {n}")
            )
        total = sum(day.categories.values())
        parts.append(
            Markup(
                '<text x="{x}" y="{y:.1f}" text-anchor="middle" fill="currentColor" font-size="11">{n}</text>'
            ).format(x=x + col_w / 2, y=base - 3, n=total)
        )
        parts.append(
            Markup('<text x="{x}" y="{y}" text-anchor="middle" fill="currentColor" font-size="11">{d}</text>').format(
                x=x + col_w / 2, y=top + plot_h + 14, d=day.date.strftime("%m-%d %a")
            )
        )
    for j, cat in enumerate(cats):
        lx, ly = 8 + (j % 4) * 120, top + plot_h + 28 + (j // 4) * 18
        parts.append(
            Markup(
                '<rect x="{x}" y="{y}" width="10" height="10" fill="{c}"/><text x="{tx}" y="{ty}" '
                'fill="currentColor" font-size="11">{cat}</text>'
            ).format(x=lx, y=ly, c=_color(j), tx=lx + 14, ty=ly + 9, cat=cat)
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def trend_chart_png(trends: Sequence[Trend]) -> bytes | None:
    """The trend bars as a PNG, each labelled `#n` (the e-mail lists the terms by number), or None."""
    if not trends:
        return None
    font = ImageFont.load_default(size=13)
    biggest = max(abs(t.change) for t in trends) or 1.0
    width, left = 460, 40
    image = Image.new("RGB", (width, _ROW * len(trends) + 16), "white")
    draw = ImageDraw.Draw(image)
    for i, trend in enumerate(trends):
        y = 8 + i * _ROW
        length = max(2, round(abs(trend.change) / biggest * 300))
        color = RISING_COLOR if trend.direction is Direction.RISING else FALLING_COLOR
        draw.text((4, y), f"#{i + 1}", fill="black", font=font)
        draw.rectangle((left, y + 1, left + length, y + 15), fill=color)
        sign = "+" if trend.change > 0 else ""
        draw.text((left + length + 6, y), f"{trend.count} ({sign}{trend.change:g})", fill="black", font=font)
    return _png(image)


def category_chart_png(per_day: Sequence[DayCount]) -> bytes | None:
    """Papers per category per day as stacked columns in a PNG (category names are ASCII), or None."""
    cats = categories_of(per_day)
    if not cats:
        return None
    font = ImageFont.load_default(size=12)
    tallest = max(sum(d.categories.values()) for d in per_day) or 1
    col_w, gap, plot_h, top = 56, 18, 160, 18
    legend_rows = (len(cats) + 3) // 4
    width = max(len(per_day) * (col_w + gap) + gap, 4 * 120)
    image = Image.new("RGB", (width, top + plot_h + 26 + legend_rows * 18 + 6), "white")
    draw = ImageDraw.Draw(image)
    for i, day in enumerate(per_day):
        x = gap + i * (col_w + gap)
        base = float(top + plot_h)
        for j, cat in enumerate(cats):
            n = day.categories.get(cat, 0)
            if n:
                h = n / tallest * plot_h
                draw.rectangle((x, round(base - h), x + col_w, round(base)), fill=_color(j))
                base -= h
        draw.text((x + col_w / 2, base - 2), str(sum(day.categories.values())), fill="black", font=font, anchor="md")
        draw.text(
            (x + col_w / 2, top + plot_h + 4), day.date.strftime("%m-%d %a"), fill="black", font=font, anchor="ma"
        )
    for j, cat in enumerate(cats):
        lx, ly = 8 + (j % 4) * 120, top + plot_h + 24 + (j // 4) * 18
        draw.rectangle((lx, ly, lx + 10, ly + 10), fill=_color(j))
        draw.text((lx + 14, ly - 1), cat, fill="black", font=font)
    return _png(image)
