"""The findings list: one row per finding, grouped by area with counts per area."""

from __future__ import annotations

import contextlib

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

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


def row(item: Item, width: int) -> Text:
    """A finding's row, fitted to ``width`` columns."""
    glyph, glyph_style = STATE_GLYPH[item.state]
    finding = item.finding
    fix = item.fix_label
    dim = "dim" if item.state != OPEN else ""
    state = item.state if not item.lint_added else f"{item.state}!"
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
        return line
    head = Text.assemble((glyph + " ", glyph_style), (finding.code + " ", "bold " + dim))
    head.append_text(_fit(finding.title, max(width - 9, 4)))
    if dim:
        head.stylize(dim, 2)
    tail = Text("  ")
    tail.append_text(_fit(finding.resource or "-", max(width - 20, 4)))
    tail.append(f" {fix:<6}", FIX_STYLE[fix])
    tail.append(f" {state:<8}", _state_style(item))
    return Text("\n").join([head, tail])


def _state_style(item: Item) -> str:
    if item.lint_added:
        return "bold red"
    return {OPEN: "bold", APPLIED: "green", SKIPPED: "dim"}[item.state]


def header(area: str, items: list[Item]) -> Text:
    counts = {OPEN: 0, APPLIED: 0, SKIPPED: 0}
    for item in items:
        counts[item.state] += 1
    text = Text.assemble((f"{area_title(area)} ", "bold underline"), (f"{len(items)}", "bold"))
    parts = [f"{n} {state}" for state, n in counts.items() if n]
    text.append("  " + " · ".join(parts), "dim")
    return text


def matches(item: Item, query: str) -> bool:
    f = item.finding
    haystack = " ".join(
        [f.code, f.title, f.resource or "", f.area, f.message, item.state, item.fix_label]
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

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width and self._items:
            self._rebuild()

    def _rebuild(self) -> None:
        keep = self.selected_index
        width = self.scrollable_content_region.width or 40
        self._width = width
        options: list[Option] = []
        for area in self._areas:
            members = [(i, it) for i, it in enumerate(self._items) if it.finding.area == area]
            shown = [
                (i, it) for i, it in members if not self.query_text or matches(it, self.query_text)
            ]
            if not shown:
                continue
            options.append(
                Option(header(area, [it for _, it in members]), id=f"area:{area}", disabled=True)
            )
            options.extend(Option(row(it, width - 1), id=str(i)) for i, it in shown)
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
