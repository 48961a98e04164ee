"""The weekly report as files and messages: Markdown, JSON, the e-mail (charts inline as PNG) and the chat text.

The e-mail is multipart/alternative whose HTML part is multipart/related with the PNG charts
referenced by `cid:` (RFC 2392, https://www.rfc-editor.org/rfc/rfc2392): mail clients block
remote images, attached inline ones show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from pathlib import Path

from paperbrief.render.files import write_files_together
from paperbrief.render.jinja_env import template_environment
from paperbrief.render.markdown import escape_markdown
from paperbrief.render.numbers_marks import legend, mark_text
from paperbrief.render.weekly_charts import category_chart_png, trend_chart_png
from paperbrief.render.weekly_links import WEEKLY_DIRNAME
from paperbrief.weekly import WeeklyReport
from paperbrief.weekly.report import WeeklyPaper
from paperbrief.weekly.trends import Direction


@dataclass(frozen=True)
class WeeklyLabels:
    """The words of the weekly report in one language."""

    html_lang: str
    title: str
    best: str
    trends: str
    rising: str
    falling: str
    themes: str
    per_day: str
    term: str
    count: str
    previous: str
    change: str
    score: str
    no_score: str
    empty: str
    missing: str
    no_announcement: str
    no_baseline: str
    no_trends: str
    no_themes: str
    papers_n: str
    named_by_terms: str
    read_online: str
    reader: str


_LABELS = {
    "zh": WeeklyLabels(
        html_lang="zh-CN",
        title="arXiv AI 论文周报",
        best="本周最佳论文",
        trends="趋势",
        rising="上升",
        falling="下降",
        themes="主题",
        per_day="每天各分类论文数",
        term="术语",
        count="本周",
        previous="前四周均值",
        change="变化",
        score="评分",
        no_score="未评分",
        empty="本周没有存储任何日报：没有可报告的论文。",
        missing="缺少的日期",
        no_announcement="无公告的日期",
        no_baseline="前四周没有存储的日报：趋势仅基于本周。",
        no_trends="没有明显上升或下降的术语。",
        no_themes="论文太少，未生成主题。",
        papers_n="{n} 篇论文",
        named_by_terms="（按关键词命名，未配置 LLM）",
        read_online="在线阅读",
        reader="读者",
    ),
    "en": WeeklyLabels(
        html_lang="en",
        title="arXiv AI weekly report",
        best="Best papers of the week",
        trends="Trends",
        rising="Rising",
        falling="Falling",
        themes="Themes",
        per_day="Papers per category per day",
        term="Term",
        count="This week",
        previous="Mean of 4 previous weeks",
        change="Change",
        score="Score",
        no_score="not scored",
        empty="No digest was stored this week: there are no papers to report.",
        missing="Missing days",
        no_announcement="Days without an announcement",
        no_baseline="No digest stored in the four previous weeks: trends rest on this week only.",
        no_trends="No term clearly rose or fell.",
        no_themes="Too few papers for themes.",
        papers_n="{n} papers",
        named_by_terms="(named by their top terms, no LLM configured)",
        read_online="Read online",
        reader="Reader",
    ),
}


def weekly_labels(language: str) -> WeeklyLabels:
    """Labels in `language` (`zh` or `en`; anything else gets English)."""
    return _LABELS.get(language, _LABELS["en"])


def weekly_page_name(week: str) -> str:
    """`weekly/2026-W08.html`, relative to the site's root."""
    return f"{WEEKLY_DIRNAME}/{week}.html"


def subject_line(report: WeeklyReport) -> str:
    """`arXiv AI 论文周报 | 2026-W08（2026-02-16–2026-02-22，42 篇）`."""
    labels = weekly_labels(report.language)
    span = f"{report.start.isoformat()}–{report.end.isoformat()}"  # no spaces: RFC 2047 folding drops one
    if report.language == "zh":
        return f"{labels.title} | {report.week}（{span}，{len(report.papers)} 篇）"
    return f"{labels.title} | {report.week} ({span}, {len(report.papers)} papers)"


def _score(score: int | None, labels: WeeklyLabels) -> str:
    return labels.no_score if score is None else str(score)


def coverage_lines(report: WeeklyReport, labels: WeeklyLabels) -> list[str]:
    """What the week is missing, one line each (empty when every weekday has a digest)."""
    lines = []
    if report.missing_days:
        lines.append(f"{labels.missing}: " + ", ".join(d.strftime("%Y-%m-%d (%a)") for d in report.missing_days))
    if report.no_announcement_days:
        lines.append(f"{labels.no_announcement}: " + ", ".join(d.isoformat() for d in report.no_announcement_days))
    return lines


def render_weekly_markdown(report: WeeklyReport, top: int = 10, base_url: str | None = None) -> str:
    """The report as Markdown: coverage, best papers, trends table, themes."""
    labels = weekly_labels(report.language)
    out = [
        f"# {labels.title} {report.week}",
        "",
        f"{report.start.isoformat()} – {report.end.isoformat()} · " + labels.papers_n.format(n=len(report.papers)),
    ]
    if report.reader:
        out[-1] += f" · {labels.reader}: {escape_markdown(report.reader)}"
    out.append("")
    for line in coverage_lines(report, labels):
        out += [f"> {line}", ""]
    if report.empty:
        out += [labels.empty, ""]
        return "\n".join(out)
    out += [f"## {labels.best}", ""]
    out += _best_lines(report, labels, top, base_url)
    out += ["", f"## {labels.trends}", ""]
    if not report.baseline_weeks:
        out += [f"> {labels.no_baseline}", ""]
    if report.trends:
        out += [f"| {labels.term} | {labels.count} | {labels.previous} | {labels.change} |", "|---|---:|---:|---:|"]
        for trend in report.trends:
            arrow = "↑" if trend.direction is Direction.RISING else "↓"
            out.append(
                f"| {escape_markdown(trend.term)} | {trend.count} | {trend.previous:g} | {arrow} {trend.change:+g} |"
            )
    else:
        out.append(labels.no_trends)
    out += ["", f"## {labels.themes}", ""]
    if not report.themes:
        out.append(labels.no_themes)
    for number, theme in enumerate(report.themes, start=1):
        note = f" {labels.named_by_terms}" if theme.source == "terms" else ""
        out += [f"### {number}. {escape_markdown(theme.title)}{note}", ""]
        if theme.text:
            out += [escape_markdown(theme.text), ""]
        out += [", ".join(f"`{pid}`" for pid in theme.papers), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def weekly_json(report: WeeklyReport) -> str:
    """The JSON file: the contract of docs/weekly.md, UTF-8 unescaped."""
    return report.model_dump_json(indent=2) + "\n"


def write_weekly_files(report: WeeklyReport, out_dir: Path, base_url: str | None = None) -> list[Path]:
    """Write `out_dir/<week>.md` and `out_dir/<week>.json` together (both or neither)."""
    md = out_dir / f"{report.week}.md"
    js = out_dir / f"{report.week}.json"
    return write_files_together(
        [(md, [render_weekly_markdown(report, base_url=base_url)]), (js, [weekly_json(report)])]
    )


def build_weekly_email(
    report: WeeklyReport, sender: str, recipients: Sequence[str], base_url: str | None = None, top: int = 10
) -> EmailMessage:
    """The weekly e-mail: plain text and HTML, the two charts attached inline as PNG (`cid:`)."""
    labels = weekly_labels(report.language)
    env = template_environment(autoescape=True)
    trend_png = trend_chart_png(report.trends)
    day_png = category_chart_png(report.per_day)
    trend_cid = make_msgid(idstring="trends")
    day_cid = make_msgid(idstring="per-day")
    page_url = f"{base_url.rstrip('/')}/{weekly_page_name(report.week)}" if base_url else None
    context = {
        "report": report,
        "labels": labels,
        "subject": subject_line(report),
        "papers": report.papers[:top],
        "marks": {p.arxiv_id: paper_mark(p, report.language) for p in report.papers[:top]},
        "marks_legend": papers_legend(report.papers[:top], report.language),
        "coverage": coverage_lines(report, labels),
        "trend_cid": trend_cid[1:-1] if trend_png else None,
        "day_cid": day_cid[1:-1] if day_png else None,
        "page_url": page_url,
    }
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = subject_line(report)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(idstring=f"paperbrief.weekly.{report.week}")
    message["Content-Language"] = labels.html_lang
    message.set_content(render_weekly_markdown(report, top=top, base_url=base_url), subtype="plain", charset="utf-8")
    message.add_alternative(env.get_template("email/weekly.html").render(**context), subtype="html", charset="utf-8")
    html_part = message.get_payload()[1]  # type: ignore[index]
    assert isinstance(html_part, EmailMessage)
    for data, cid, name in ((trend_png, trend_cid, "trends.png"), (day_png, day_cid, "per-day.png")):
        if data is not None:
            html_part.add_related(data, maintype="image", subtype="png", cid=cid, filename=name, disposition="inline")
    return message


def _best_lines(report: WeeklyReport, labels: WeeklyLabels, top: int, base_url: str | None) -> list[str]:
    """The best papers: rank, linked title, id, score and day; the tldr (⚠-marked); the marks' legend."""
    out: list[str] = []
    for paper in report.papers[:top]:
        title = escape_markdown(" ".join(paper.title.split()))
        day = paper.date.isoformat()
        link = f"{base_url.rstrip('/')}/{day}.html#{paper.arxiv_id}" if base_url else paper.url
        out.append(
            f"{paper.rank}. [{title}]({link}) · `{paper.arxiv_id}`"
            f" · {labels.score} {_score(paper.score, labels)} · {day}"
        )
        if paper.tldr:
            mark = paper_mark(paper, report.language)
            tail = f" {escape_markdown(mark)}" if mark else ""  # issue 16: the number stays, the line says so
            out.append(f"   {escape_markdown(' '.join(paper.tldr.split()))}{tail}")
    marks_legend = papers_legend(report.papers[:top], report.language)
    if marks_legend:
        out += ["", f"> {marks_legend}"]
    return out


def papers_legend(papers: Sequence[WeeklyPaper], language: str) -> str:
    """The ⚠ legend for the shown papers (issue 16), naming the text(s) they were checked against; "" without marks."""
    kinds = {p.full_text for p in papers if p.unsupported_numbers}
    if not kinds:
        return ""
    return legend(language, None if len(kinds) > 1 else kinds == {True})


def paper_mark(paper: WeeklyPaper, language: str) -> str:
    """` ⚠ 摘要中未见：97.3%` after a paper's tldr, "" when every number of it is in its source."""
    return mark_text(paper.unsupported_numbers, language, paper.full_text)


def weekly_chat_message(report: WeeklyReport, base_url: str | None = None, top: int = 5) -> tuple[str, str]:
    """(title, body) for a chat push: the top papers, the rising terms and a link to the page."""
    labels = weekly_labels(report.language)
    lines = [*coverage_lines(report, labels)]
    if report.empty:
        lines.append(labels.empty)
    for paper in report.papers[:top]:
        lines.append(f"{paper.rank}. {' '.join(paper.title.split())} ({_score(paper.score, labels)}) {paper.url}")
    rising = [t.term for t in report.trends if t.direction is Direction.RISING][:5]
    if rising:
        lines.append(f"{labels.rising}: " + ", ".join(rising))
    if base_url:
        lines.append(f"{labels.read_online}: {base_url.rstrip('/')}/{weekly_page_name(report.week)}")
    return subject_line(report), "\n".join(lines)
