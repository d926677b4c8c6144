"""The findings list: one row per finding, grouped by area with counts per area."""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from fixers.model import KINDS
from fixers.session import APPLIED, OPEN, SKIPPED, Item

STATE_GLYPH = {OPEN: ("○", "bold"), APPLIED: ("✔", "green"), SKIPPED: ("–", "dim")}
FIX_STYLE = {"safe": "green", "unsafe": "yellow", "none": "dim"}
AREA_TITLES = {"ecs": "ECS", "iam": "IAM", "load balancer": "Load balancer"}

# Below this many columns a row takes two lines: code and title, then resource, fix and state.
ONE_LINE_WIDTH = 58


def area_title(area: str) -> str:
    return AREA_TITLES.get(area, area.capitalize())


def _fit(text: str, width: int) -> Text:
    cell = Text(text, no_wrap=True)
    cell.truncate(max(width, 1), overflow="ellipsis", pad=True)
    return cell


def _path_text(parts: tuple[Any, ...]) -> str:
    """``("DeploymentConfiguration", "MinimumHealthyPercent")`` as
    ``DeploymentConfiguration.MinimumHealthyPercent``, list indexes as ``[0]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _message_words(messages: list[str]) -> list[str] | None:
    """What differs between messages: each without the words all of them start and end with."""
    words = [m.rstrip(".").split() for m in messages]
    shortest = min(len(w) for w in words)
    head = 0
    while head < shortest and len({tuple(w[head : head + 1]) for w in words}) == 1:
        head += 1
    tail = 0
    while tail < shortest - head and len({w[len(w) - tail - 1] for w in words}) == 1:
        tail += 1
    parts = [" ".join(w[head : len(w) - tail]) for w in words]
    if not all(parts) or len(set(parts)) < len(parts):
        return None
    return parts


def distinctions(items: list[Item]) -> dict[Any, str]:
    """For findings whose rows would read the same (one code on one resource, such as MF0302
    twice on a DB instance or MF1103 once per dependency of a service): what tells each apart.

    From the finding's path, below what the findings share (``Properties`` left out): the
    shortest ends of the paths that differ (the property, the dependency, the plan's rule);
    where a path does not tell (one of them is the resource itself), the words of the messages
    that differ. Findings alone on their row get nothing."""
    groups: dict[tuple[str, str | None], list[Item]] = defaultdict(list)
    for item in items:
        groups[(item.finding.code, item.finding.resource)].append(item)
    found: dict[Any, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        paths = [item.finding.path for item in group]
        common = 0
        while all(len(p) > common for p in paths) and len({p[common] for p in paths}) == 1:
            common += 1
        tails = [tuple(x for x in p[common:] if x != "Properties") for p in paths]
        labels: list[str] | None = None
        if all(tails) and len(set(tails)) == len(tails):
            fulls = [tuple(x for x in p if x != "Properties") for p in paths]
            for k in range(1, max(len(t) for t in tails) + 1):
                ends = [t[-k:] for t in tails]
                if len(set(ends)) < len(ends):
                    continue
                # An index alone says little: show the name of its list too.
                labels = [
                    _path_text(full[-len(e) - 1 :] if isinstance(e[0], int) else e)
                    for e, full in zip(ends, fulls, strict=True)
                ]
                break
        if labels is None:
            labels = _message_words([item.finding.message for item in group])
        if labels is None:
            labels = [_path_text(t) or "(the resource)" for t in tails]
        for item, label in zip(group, labels, strict=True):
            found[item.key] = label
    return found


def _detail_line(detail: str, width: int, dim: str) -> Text:
    """The line under a row that tells it apart: an arrow and ``detail``, its middle elided if too long
    (where two paths or messages differ, it is at their start or their end)."""
    room = max(width - 4, 4)
    if len(detail) > room:
        head = (room - 1) // 2
        detail = detail[:head] + "…" + detail[len(detail) - (room - 1 - head) :]
    return Text.assemble(("  › ", "dim"), (detail, "italic " + dim))


def row(item: Item, width: int, detail: str = "") -> Text:
    """A finding's row, fitted to ``width`` columns; ``detail`` tells it apart from findings of
    the same code on the same resource (``distinctions``)."""
    glyph, glyph_style = STATE_GLYPH[item.state]
    finding = item.finding
    fix = item.fix_label
    dim = "dim" if item.state != OPEN else ""
    state = item.state if not item.lint_added else f"{item.state}!"
    if item.rolled_back and item.state == OPEN:
        state = "reverted"  # "apply all safe fixes" rolled it back, as --auto-fix does
    if width >= ONE_LINE_WIDTH:
        rest = width - (2 + 7 + 7 + 9)
        title_w = max(rest * 3 // 5, 8)
        res_w = max(rest - title_w - 1, 4)
        line = Text.assemble((glyph + " ", glyph_style), (finding.code + " ", "bold " + dim))
        line.append_text(_fit(finding.title, title_w))
        line.append(" ")
        line.append_text(_fit(finding.resource or "-", res_w))
        if dim:
            line.stylize(dim, 2)
        line.append(f" {fix:<6}", FIX_STYLE[fix])
        line.append(f" {state:<8}", _state_style(item))
        return Text("\n").join([line, _detail_line(detail, width, dim)]) if detail else line
    head = Text.assemble((glyph + " ", glyph_style), (finding.code + " ", "bold " + dim))
    head.append_text(_fit(finding.title, max(width - 9, 4)))
    if dim:
        head.stylize(dim, 2)
    tail = Text("  ")
    tail.append_text(_fit(finding.resource or "-", max(width - 20, 4)))
    tail.append(f" {fix:<6}", FIX_STYLE[fix])
    tail.append(f" {state:<8}", _state_style(item))
    lines = [head, tail, _detail_line(detail, width, dim)] if detail else [head, tail]
    return Text("\n").join(lines)


def _state_style(item: Item) -> str:
    if item.lint_added or (item.rolled_back and item.state == OPEN):
        return "bold red"
    return {OPEN: "bold", APPLIED: "green", SKIPPED: "dim"}[item.state]


def header(area: str, items: list[Item], of: int | None = None) -> Text:
    """An area's header: its findings (``of``: of how many, when a filter hides some) by state."""
    counts = {OPEN: 0, APPLIED: 0, SKIPPED: 0}
    for item in items:
        counts[item.state] += 1
    total = f"{len(items)}" if of is None or of == len(items) else f"{len(items)} of {of}"
    text = Text.assemble((f"{area_title(area)} ", "bold underline"), (total, "bold"))
    parts = [f"{n} {state}" for state, n in counts.items() if n]
    text.append("  " + " · ".join(parts), "dim")
    kinds = Counter(item.finding.kind for item in items)
    if kinds:
        text.append("  (" + ", ".join(f"{kinds[k]} {k}" for k in KINDS if kinds[k]) + ")", "dim")
    return text


def matches(item: Item, query: str) -> bool:
    f = item.finding
    haystack = " ".join(
        [
            f.code,
            f.title,
            f.resource or "",
            f.area,
            f.kind,
            f.severity,
            f.message,
            item.state,
            item.fix_label,
        ]
        + (["reverted rolled back"] if item.rolled_back and item.state == OPEN else [])
    ).lower()
    return all(word in haystack for word in query.lower().split())


class FindingsList(OptionList):
    """Findings grouped by area; an option's id is the index of its item in the review."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self._items: list[Item] = []
        self._areas: list[str] = []
        self.query_text = ""
        self._width = 0
        self.rebuilding = False

    def show(self, items: list[Item], areas: list[str], query: str | None = None) -> None:
        """Show ``items`` (filtered by ``query``), keeping the highlighted finding if it is still shown."""
        self._items, self._areas = items, areas
        if query is not None:
            self.query_text = query
        self._rebuild()

    @property
    def selected_index(self) -> int | None:
        """The review index of the highlighted finding."""
        if self.highlighted is None or self.option_count == 0:
            return None
        option_id = self.get_option_at_index(self.highlighted).id
        return int(option_id) if option_id and option_id.isdigit() else None

    def select_index(self, index: int) -> None:
        with contextlib.suppress(Exception):
            self.highlighted = self.get_option_index(str(index))

    def shown_indexes(self) -> list[int]:
        """The review indexes of the findings the filter shows (all without one)."""
        return [
            i
            for i, it in enumerate(self._items)
            if not self.query_text or matches(it, self.query_text)
        ]

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width and self._items:
            self._rebuild()

    def _rebuild(self) -> None:
        self.rebuilding = True  # the highlight moves on its own meanwhile (``MeridianApp``)
        try:
            self._fill()
        finally:
            self.rebuilding = False

    def _fill(self) -> None:
        keep = self.selected_index
        width = self.scrollable_content_region.width or 40
        self._width = width
        options: list[Option] = []
        details = distinctions(self._items)
        for area in self._areas:
            members = [(i, it) for i, it in enumerate(self._items) if it.finding.area == area]
            shown = [
                (i, it) for i, it in members if not self.query_text or matches(it, self.query_text)
            ]
            if not shown:
                continue
            options.append(
                Option(
                    header(area, [it for _, it in shown], of=len(members)),
                    id=f"area:{area}",
                    disabled=True,
                )
            )
            options.extend(
                Option(row(it, width - 1, details.get(it.key, "")), id=str(i)) for i, it in shown
            )
        if not self._items:
            options.append(
                Option(
                    Text("No findings: the template passes the selected rules.", "green"),
                    disabled=True,
                )
            )
        elif not any(o.id and o.id.isdigit() for o in options):
            options.append(
                Option(Text(f"Nothing matches “{self.query_text}”.", "dim"), disabled=True)
            )
        with self.app.batch_update():
            self.clear_options()
            self.add_options(options)
            if keep is not None and any(o.id == str(keep) for o in options):
                self.select_index(keep)
            else:
                first = next((n for n, o in enumerate(options) if o.id and o.id.isdigit()), None)
                if first is not None:
                    self.highlighted = first
