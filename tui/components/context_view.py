"""The template context: the original around the node and the same region after the fix, side by
side, or the unified diff of the whole file."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
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


@functools.lru_cache(maxsize=256)
def _highlight_cached(code: str, lexer: str) -> tuple[Text, ...]:
    from rich.syntax import Syntax  # pygments: imported after the first paint

    text = Syntax(code, lexer, theme=THEME, background_color=BACKGROUND).highlight(code)
    return tuple(text.split("\n", allow_blank=True)[: code.count("\n") + 1])


def _highlight(code: str, lexer: str) -> list[Text]:
    """The lines of ``code``, syntax highlighted (once per code: the same region is shown again
    on every visit to its finding); copies, so that callers may style them."""
    return [line.copy() for line in _highlight_cached(code, lexer)]


class CodeBlock:
    """Numbered lines, long ones folded under the code, and ``⋮`` between regions.

    What a rich ``Table.grid`` of numbers and lines draws, at a fraction of the cost: the
    screen lays a pane out and paints it on every change of finding, so this renders once per
    width and keeps the lines."""

    def __init__(self, rows: list[tuple[Text, Text] | None], gutter: int) -> None:
        self.rows = rows  # (number, line); None is a gap between regions
        self.gutter = gutter
        self._lines: tuple[int, list[list[Segment]]] | None = None

    def _render(self, console: Console, width: int) -> list[list[Segment]]:
        code_width = max(width - self.gutter - 1, 1)
        blank = " " * self.gutter
        lines: list[list[Segment]] = []
        for row in self.rows:
            if row is None:
                lines.append(list(Text("   ⋮", "dim").render(console)))
                continue
            number, line = row
            parts = (
                line.wrap(console, code_width, overflow="fold", no_wrap=False)
                if line.cell_len > code_width
                else [line]
            )
            for k, part in enumerate(parts):
                head = number if k == 0 else Text(blank)
                head = head.copy()
                head.rstrip()
                head.pad_left(self.gutter - head.cell_len)
                segments = list(head.render(console))
                segments.append(Segment(" "))
                segments.extend(part.render(console))
                lines.append(segments)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        width = options.max_width
        if self._lines is None or self._lines[0] != width:
            self._lines = (width, self._render(console, width))
        new_line = Segment.line()
        for line in self._lines[1]:
            yield from line
            yield new_line


def _rows(lines: list[str], region: Region, lexer: str, style: str) -> list[tuple[Text, Text]]:
    """The region's lines with line numbers; marked lines get a pointer and ``style``."""
    code = "\n".join(lines[region.first - 1 : region.last])
    rows: list[tuple[Text, Text]] = []
    for number, line in enumerate(_highlight(code, lexer), region.first):
        if number in region.marked:
            line.stylize(style)
            rows.append((Text(f"❱{number}", "bold"), line))
        else:
            rows.append((Text(str(number), "dim"), line))
    return rows


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


def line_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """``difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()``, matched only
    between the first and the last line that differ: a fix changes a few places of a long
    template, and the lines around them are equal (ten times faster on a 1,000-line template)."""
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    middle = difflib.SequenceMatcher(
        None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False
    ).get_opcodes()
    opcodes: list[tuple[str, int, int, int, int]] = []
    if head:
        opcodes.append(("equal", 0, head, 0, head))
    for tag, i1, i2, j1, j2 in middle:
        if tag == "equal" and opcodes and opcodes[-1][0] == "equal":
            _, e1, _, f1, _ = opcodes.pop()
            opcodes.append(("equal", e1, i2 + head, f1, j2 + head))
        else:
            opcodes.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        end = ("equal", len(a) - tail, len(a), len(b) - tail, len(b))
        if opcodes and opcodes[-1][0] == "equal":
            _, e1, _, f1, _ = opcodes.pop()
            end = ("equal", e1, len(a), f1, len(b))
        opcodes.append(end)
    return opcodes


def side_by_side(
    before: str, line: int, after: str | None, after_line: int | None = None
) -> tuple[list[Region], list[Region]]:
    """The regions to show: the original around ``line``; the fixed text around the same place
    and around every other change (a fix may add resources far from the node). With
    ``after_line`` (the node's line in ``after``), the fixed text opens around that line,
    marked, and the other changes follow it."""
    b_lines = before.splitlines()
    n = max(len(b_lines), 1)
    line = min(max(line, 1), n)
    above, below = BEFORE_CONTEXT
    window = Region(max(1, line - above), min(n, line + below), {line})
    if after is None:
        return [window], []
    a_lines = after.splitlines()
    opcodes = line_opcodes(b_lines, a_lines)
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
    if after_line is None:
        return before_regions, _merge(after_regions)
    at = min(max(after_line, 1), m)
    own = Region(max(1, at - above), min(m, at + below), {at})
    rest: list[Region] = []
    for region in _merge(after_regions[1:]):
        if region.last < own.first - 1 or region.first > own.last + 1:
            rest.append(region)
        else:  # a change at the node: shown in its window
            own = Region(
                min(own.first, region.first), max(own.last, region.last), own.marked | region.marked
            )
    return before_regions, [own, *rest]


def render_regions(text: str, regions: list[Region], lexer: str, style: str) -> CodeBlock:
    lines = text.splitlines()
    rows: list[tuple[Text, Text] | None] = []
    for n, region in enumerate(regions):
        if n:
            rows.append(None)
        rows.extend(_rows(lines, region, lexer, style))
    gutter = len(str(max((r.last for r in regions), default=1))) + 1
    return CodeBlock(rows, gutter)


@dataclass
class Pair:
    """The two panes of a finding, ready to show: made by ``prepare_pair`` in a worker thread
    (difflib and pygments stay off the screen's thread), shown by ``ContextView.show_prepared``."""

    before: CodeBlock
    after: CodeBlock | None


def prepare_pair(
    before: str, line: int, after: str | None, lexer: str, after_line: int | None = None
) -> Pair:
    """The original around ``line`` and ``after`` around the same place (or ``after_line``)
    and every change."""
    before_regions, after_regions = side_by_side(before, line, after, after_line)
    return Pair(
        render_regions(before, before_regions, lexer, NODE_STYLE),
        None if after is None else render_regions(after, after_regions, lexer, ADDED_STYLE),
    )


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
        after_line: int | None = None,
    ) -> None:
        """Show ``before`` around ``line`` and ``after`` (or ``note`` when there is no after);
        ``after`` opens around ``after_line`` when given (``side_by_side``)."""
        self.show_prepared(
            prepare_pair(before, line, after, lexer, after_line), before_title, after_title, note
        )

    def show_prepared(
        self, pair: Pair, before_title: str, after_title: str, note: str | None = None
    ) -> None:
        """Show panes made by ``prepare_pair`` (or ``note`` when there is no after)."""
        self.query_one("#before-text", Static).update(pair.before)
        before_pane = self.query_one("#before-pane")
        before_pane.border_title = before_title
        after_pane = self.query_one("#after-pane")
        after_pane.border_title = after_title
        if pair.after is None:
            self.query_one("#after-text", Static).update(Text(note or "", "dim italic"))
        else:
            self.query_one("#after-text", Static).update(pair.after)
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
