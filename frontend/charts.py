"""Server-rendered SVG charts of results, readable without colour: patterns and words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from frontend.formatting import percent_text, share_text

WIDTH = 480
LABEL_HEIGHT = 24
BAR_HEIGHT = 28
ROW_GAP = 18
LEFT = 4
BAR_WIDTH = WIDTH - 2 * LEFT

# Three fills that differ in texture as well as in shade.
PATTERNS = """
<defs>
  <pattern id="fill-solid" width="8" height="8" patternUnits="userSpaceOnUse">
    <rect width="8" height="8" fill="#0b4f8a"/>
  </pattern>
  <pattern id="fill-hatch" width="8" height="8" patternUnits="userSpaceOnUse"
    patternTransform="rotate(45)">
    <rect width="8" height="8" fill="#ffffff"/>
    <rect width="3" height="8" fill="#1b1b1f"/>
  </pattern>
  <pattern id="fill-dots" width="8" height="8" patternUnits="userSpaceOnUse">
    <rect width="8" height="8" fill="#e4e4ea"/>
    <circle cx="4" cy="4" r="1.8" fill="#1b1b1f"/>
  </pattern>
  <pattern id="fill-light" width="8" height="8" patternUnits="userSpaceOnUse">
    <rect width="8" height="8" fill="#f3f4f7"/>
  </pattern>
</defs>
"""
FILLS = ("url(#fill-solid)", "url(#fill-hatch)", "url(#fill-dots)")


@dataclass(frozen=True)
class Segment:
    label: str
    share: Fraction
    fill: str


@dataclass(frozen=True)
class Row:
    title: str
    segments: Sequence[Segment]
    note: str = ""


def _frac(value: Any) -> Fraction:
    return Fraction(value) if value not in (None, "") else Fraction(0)


def _svg(chart_id: str, title: str, description: str, body: str, height: int) -> SafeString:
    return format_html(
        '<svg class="chart" id="{id}" role="img" viewBox="0 0 {w} {h}" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, sans-serif" font-size="16">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        desc=description,
        body=mark_safe(PATTERNS + body),  # noqa: S308 - every piece of `body` is escaped
    )


def _bar_rows(
    rows: Sequence[Row], *, threshold: tuple[Fraction, str] | None = None, top: int = 0
) -> tuple[str, int]:
    parts: list[str] = []
    y = top
    for row in rows:
        parts.append(
            str(
                format_html(
                    '<text x="{}" y="{}" font-weight="700">{}</text>', LEFT, y + 17, row.title
                )
            )
        )
        y += LABEL_HEIGHT
        parts.append(
            str(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="url(#fill-light)" '
                    'stroke="#4a4a55"/>',
                    LEFT,
                    y,
                    BAR_WIDTH,
                    BAR_HEIGHT,
                )
            )
        )
        x = Fraction(LEFT)
        for segment in row.segments:
            width = segment.share * BAR_WIDTH
            if width > 0:
                parts.append(
                    str(
                        format_html(
                            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#1b1b1f" '
                            'stroke-width="1"><title>{}</title></rect>',
                            f"{float(x):.2f}",
                            y,
                            f"{float(width):.2f}",
                            BAR_HEIGHT,
                            segment.fill,
                            f"{segment.label} {percent_text(segment.share * 100, 1)}",
                        )
                    )
                )
            x += width
        if threshold is not None:
            value, label = threshold
            tx = LEFT + float(value * BAR_WIDTH)
            parts.append(
                str(
                    format_html(
                        '<line x1="{x}" x2="{x}" y1="{y1}" y2="{y2}" stroke="#c2410c" '
                        'stroke-width="3" stroke-dasharray="6 3"/>',
                        x=f"{tx:.2f}",
                        y1=y - 4,
                        y2=y + BAR_HEIGHT + 4,
                    )
                )
            )
            # Anchored away from the nearer edge so the label is never cut.
            anchor = "start" if tx < WIDTH / 3 else "end" if tx > 2 * WIDTH / 3 else "middle"
            parts.append(
                str(
                    format_html(
                        '<text class="threshold-label" x="{}" y="{}" text-anchor="{}" '
                        'font-size="15" font-weight="700" fill="#9a3412">{}</text>',
                        f"{tx:.2f}",
                        y + BAR_HEIGHT + 20,
                        anchor,
                        label,
                    )
                )
            )
            y += 20
        y += BAR_HEIGHT + 4
        words = row.note or " · ".join(
            f"{s.label} {percent_text(s.share * 100, 1)}" for s in row.segments
        )
        parts.append(str(format_html('<text x="{}" y="{}">{}</text>', LEFT, y + 16, words)))
        y += 16 + ROW_GAP
    return "".join(parts), y


def _legend(labels: Sequence[tuple[str, str]], y: int) -> tuple[str, int]:
    parts = []
    x = LEFT
    for label, fill in labels:
        parts.append(
            str(
                format_html(
                    '<rect x="{}" y="{}" width="22" height="16" fill="{}" stroke="#1b1b1f"/>'
                    '<text x="{}" y="{}">{}</text>',
                    x,
                    y,
                    fill,
                    x + 28,
                    y + 13,
                    label,
                )
            )
        )
        x += 40 + 9 * len(label)
    return "".join(parts), y + 28


def college_key(result: dict[str, Any]) -> str:
    """One line saying what each college's bar shows: its support, as the rules applied
    count it (the same figure as "support in the college" in the table and the cards)."""
    base = result["tally"].get("majority_base", "votes_cast")
    if base == "all_members":
        return _(
            "Each college's bar shows its support: the votes for as a share of all its "
            "members on the roll; a member who did not vote counts as against."
        )
    if base == "present":
        return _(
            "Each college's bar shows its support: the votes for as a share of its "
            "ballots; abstentions count as against."
        )
    return _(
        "Each college's bar shows its support: the votes for as a share of the votes cast "
        "(for and against); abstentions are not votes cast and are left out."
    )


def weighted_key(result: dict[str, Any]) -> str:
    """One line saying what the weighted bar shows and what it is measured against."""
    tally = result["tally"]
    majority = share_text(_frac(tally["majority"]["value"]))
    if tally.get("one_member_one_vote"):
        return _(
            "Without colleges, the last bar is the support of all the members, one member "
            "one vote, against the majority threshold of %(threshold)s."
        ) % {"threshold": majority}
    return _(
        "The last bar adds up each college's support times its weight: the weighted "
        "support, measured against the majority threshold of %(threshold)s."
    ) % {"threshold": majority}


def _set_aside(college: dict[str, Any], base: str) -> str:
    """What a college's bar leaves out, in words."""
    if base == "votes_cast" and college["abstain"]:
        return _("%(count)s abstaining, left out") % {"count": college["abstain"]}
    if base == "all_members" and college["eligible"] > college["voted"]:
        return _("%(count)s who did not vote, counted against") % {
            "count": college["eligible"] - college["voted"]
        }
    if base == "present" and college["abstain"]:
        return _("%(count)s abstaining, counted against") % {"count": college["abstain"]}
    return ""


def resolution_chart(result: dict[str, Any], chart_id: str = "result-chart") -> SafeString:
    """Each college's support and opposition as the rules count them (one figure per
    college, the one the table shows), then the weighted support against the majority
    threshold."""
    tally = result["tally"]
    base = tally.get("majority_base", "votes_cast")
    for_label, against_label = _("For"), _("Against")
    rows = []
    for college in tally["colleges"]:
        weight = percent_text(_frac(college["weight"]) * 100, 2)
        title = _("%(college)s (weight %(weight)s)") % {
            "college": college["name"],
            "weight": weight,
        }
        cast = college.get("cast", college["yes"] + college["no"])
        if not cast:
            rows.append(Row(title, [], note=_("No votes cast in this college.")))
            continue
        support = Fraction(college["yes"], cast)
        against = Fraction(college.get("against", college["no"]), cast)
        words = " · ".join(
            part
            for part in (
                f"{for_label} {share_text(support)}",
                f"{against_label} {share_text(against)}",
                _set_aside(college, base),
            )
            if part
        )
        rows.append(
            Row(
                title,
                [
                    Segment(for_label, support, FILLS[0]),
                    Segment(against_label, against, FILLS[1]),
                ],
                note=words,
            )
        )
    legend, y = _legend([(for_label, FILLS[0]), (against_label, FILLS[1])], 4)
    body, y = _bar_rows(rows, top=y)
    majority = _frac(tally["majority"]["value"])
    threshold = (
        majority,
        _("Majority threshold: %(value)s") % {"value": share_text(majority)},
    )
    if tally.get("support") is None:
        # The `fail` rule for a college without votes applied: no support was decided.
        undecided = _("No support was decided: a college without votes failed the resolution.")
        overall_body, y = _bar_rows(
            [Row(_("Weighted result"), [], note=undecided)], threshold=threshold, top=y + 6
        )
        description = college_key(result) + " " + undecided
        return _svg(chart_id, _("Result by college"), description, legend + body + overall_body, y)
    overall = Row(
        _("Weighted result"),
        [
            Segment(_("Support"), _frac(tally["support"]), FILLS[0]),
            Segment(against_label, _frac(tally["against"]), FILLS[1]),
        ],
    )
    overall_body, y = _bar_rows([overall], threshold=threshold, top=y + 6)
    description = (
        college_key(result)
        + " "
        + _("The weighted support is %(support)s, against a threshold of %(threshold)s.")
        % {
            "support": share_text(_frac(tally["support"]), majority),
            "threshold": share_text(majority),
        }
    )
    return _svg(chart_id, _("Result by college"), description, legend + body + overall_body, y)


def approval_chart(result: dict[str, Any], chart_id: str = "result-chart") -> SafeString:
    """The weighted approval score of each option."""
    tally = result["tally"]
    winners = set(tally.get("winners") or [])
    rows = []
    for option in tally["options"]:
        score = _frac(tally["scores"][option])
        title = option + (" — " + _("winner") if option in winners else "")
        rows.append(
            Row(
                title,
                [Segment(_("Approved by"), score, FILLS[0])],
                note=_("approved by %(score)s of the weighted voters")
                % {"score": percent_text(score * 100, 1)},
            )
        )
    body, y = _bar_rows(rows, top=0)
    return _svg(
        chart_id,
        _("Weighted approval by option"),
        _("The share of the weighted voters approving each option."),
        body,
        y,
    )


def majority_judgment_chart(result: dict[str, Any], chart_id: str = "result-chart") -> SafeString:
    """For each option, the weighted share of each grade, worst first, and the median."""
    tally = result["tally"]
    grades = tally["grades"]
    fills = [FILLS[1], FILLS[2], "url(#fill-light)", FILLS[2], FILLS[0], FILLS[0]]
    rows = []
    for option in tally["options"]:
        segments = [
            Segment(
                grade,
                _frac(share),
                fills[min(i, len(fills) - 1)] if i < len(grades) - 1 else FILLS[0],
            )
            for i, (grade, share) in enumerate(zip(grades, option["distribution"], strict=False))
        ]
        note = _("%(option)s: majority grade %(grade)s") % {
            "option": option["option"],
            "grade": option["majority_grade_label"],
        }
        rows.append(Row(option["option"], segments, note=note))
    body, y = _bar_rows(rows, threshold=None, top=0)
    median_x = LEFT + BAR_WIDTH / 2
    body += str(
        format_html(
            '<line x1="{x}" x2="{x}" y1="0" y2="{y}" stroke="#c2410c" stroke-width="2" '
            'stroke-dasharray="4 4"/>',
            x=median_x,
            y=y,
        )
    )
    return _svg(
        chart_id,
        _("Grades by option"),
        _(
            "For each option, the weighted share of each grade from the worst to the "
            "best; the dashed line marks the median."
        ),
        body,
        y,
    )


def result_chart(result: dict[str, Any] | None) -> SafeString:
    """The chart of a stored result, or nothing for methods that a table explains better."""
    if not result:
        return mark_safe("")
    method = result.get("method")
    if method == "resolution":
        return resolution_chart(result)
    if method == "approval":
        return approval_chart(result)
    if method == "majority_judgment":
        return majority_judgment_chart(result)
    return mark_safe("")
