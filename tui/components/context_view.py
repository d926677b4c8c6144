"""The template context: the original around the node and the same region after the fix, side by
side, or the unified diff of the whole file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

THEME = "monokai"
BACKGROUND = "default"
BEFORE_CONTEXT = (5, 9)  # lines shown above and below the node
HUNK_CONTEXT = 2
NODE_STYLE = "on #4a3b00"
REMOVED_STYLE = "on #4b1818"
ADDED_STYLE = "on #143d1e"


@dataclass
class Region:
    """Lines ``first``..``last`` (1-based, inclusive) of a text, with lines to mark."""

    first: int
    last: int
    marked: set[int]


def _highlight(code: str, lexer: str) -> list[Text]:
    """The lines of ``code``, syntax highlighted once (a rich Syntax re-lexes on every render)."""
    from rich.syntax import Syntax  # pygments: imported after the first paint

    text = Syntax(code, lexer, theme=THEME, background_color=BACKGROUND).highlight(code)
    return text.split("\n", allow_blank=True)[: code.count("\n") + 1]


def _numbered(lines: list[str], region: Region, lexer: str, style: str) -> Table:
    """The region's lines with line numbers; marked lines get a pointer and ``style``."""
    code = "\n".join(lines[region.first - 1 : region.last])
    width = len(str(region.last)) + 1
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(justify="right", no_wrap=True, width=width)
    table.add_column(ratio=1, overflow="fold")
    for number, line in enumerate(_highlight(code, lexer), region.first):
        if number in region.marked:
            line.stylize(style)
            table.add_row(Text(f"❱{number}", "bold"), line)
        else:
            table.add_row(Text(str(number), "dim"), line)
    return table


def _merge(regions: list[Region]) -> list[Region]:
    merged: list[Region] = []
    for r in sorted(regions, key=lambda r: r.first):
        if merged and r.first <= merged[-1].last + 1:
            merged[-1] = Region(
                merged[-1].first, max(merged[-1].last, r.last), merged[-1].marked | r.marked
            )
        else:
            merged.append(Region(r.first, r.last, set(r.marked)))
    return merged


def side_by_side(before: str, line: int, after: str | None) -> tuple[list[Region], list[Region]]:
    """The regions to show: the original around ``line``; the fixed text around the same place
    and around every other change (a fix may add resources far from the node)."""
    b_lines = before.splitlines()
    n = max(len(b_lines), 1)
    line = min(max(line, 1), n)
    above, below = BEFORE_CONTEXT
    window = Region(max(1, line - above), min(n, line + below), {line})
    if after is None:
        return [window], []
    a_lines = after.splitlines()
    opcodes = difflib.SequenceMatcher(None, b_lines, a_lines, autojunk=False).get_opcodes()
    removed = {
        i + 1
        for tag, i1, i2, _, _ in opcodes
        if tag in ("replace", "delete")
        for i in range(i1, i2)
    }
    window.marked |= {x for x in removed if window.first <= x <= window.last}
    before_regions = [window]

    def mapped(b_line: int) -> int:
        for tag, i1, i2, j1, _j2 in opcodes:
            if i1 <= b_line - 1 < i2:
                return j1 + (b_line - 1 - i1) + 1 if tag == "equal" else j1 + 1
        return len(a_lines)

    m = max(len(a_lines), 1)
    top, bottom = mapped(window.first), mapped(window.last)
    after_regions = [Region(max(1, top), min(m, max(bottom, top)), set())]
    for tag, _, _, j1, j2 in opcodes:
        if tag in ("replace", "insert"):
            after_regions.append(
                Region(
                    max(1, j1 + 1 - HUNK_CONTEXT),
                    min(m, j2 + HUNK_CONTEXT),
                    set(range(j1 + 1, j2 + 1)),
                )
            )
        elif tag == "delete":
            after_regions.append(
                Region(max(1, j1 + 1 - HUNK_CONTEXT), min(m, j1 + HUNK_CONTEXT), set())
            )
    return before_regions, _merge(after_regions)


def render_regions(text: str, regions: list[Region], lexer: str, style: str) -> RenderableType:
    lines = text.splitlines()
    parts: list[RenderableType] = []
    for n, region in enumerate(regions):
        if n:
            parts.append(Text("   ⋮", "dim"))
        parts.append(_numbered(lines, region, lexer, style))
    return Group(*parts)


class ContextView(Vertical):
    """Before and after panes side by side, or the whole-file diff (``diff_mode``)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="side-by-side"):
            with VerticalScroll(id="before-pane", classes="code-pane"):
                yield Static(id="before-text")
            with VerticalScroll(id="after-pane", classes="code-pane"):
                yield Static(id="after-text")
        with VerticalScroll(id="diff-pane", classes="code-pane"):
            yield Static(id="diff-text")

    @property
    def diff_mode(self) -> bool:
        return self.has_class("-diff")

    def set_diff_mode(self, on: bool) -> None:
        self.set_class(on, "-diff")

    def show_pair(
        self,
        before: str,
        line: int,
        after: str | None,
        lexer: str,
        before_title: str,
        after_title: str,
        note: str | None = None,
    ) -> None:
        """Show ``before`` around ``line`` and ``after`` (or ``note`` when there is no after)."""
        before_regions, after_regions = side_by_side(before, line, after)
        self.query_one("#before-text", Static).update(
            render_regions(before, before_regions, lexer, NODE_STYLE)
        )
        before_pane = self.query_one("#before-pane")
        before_pane.border_title = before_title
        after_pane = self.query_one("#after-pane")
        after_pane.border_title = after_title
        if after is None:
            self.query_one("#after-text", Static).update(Text(note or "", "dim italic"))
        else:
            self.query_one("#after-text", Static).update(
                render_regions(after, after_regions, lexer, ADDED_STYLE)
            )
        before_pane.scroll_home(animate=False)
        after_pane.scroll_home(animate=False)

    def show_note(self, note: str) -> None:
        self.query_one("#before-text", Static).update(Text(note, "dim italic"))
        self.query_one("#after-text", Static).update("")

    def show_diff(self, diff: str, title: str, empty_note: str) -> None:
        pane = self.query_one("#diff-pane")
        pane.border_title = title
        body: RenderableType
        if diff:
            body = Text("\n").join(_highlight(diff.rstrip("\n"), "diff"))
        else:
            body = Text(empty_note, "dim italic")
        self.query_one("#diff-text", Static).update(body)
