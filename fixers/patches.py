"""Where and how an edit goes into a template's text: the patch geometry.

Given the text as last read (its ``Template``: every node's span), the file's style and what the
edited containers will hold, ``Geometry`` computes the text patches that replace a node, insert
a key or an item at its canonical place, or remove one, so that every line the edit does not
touch stays as it was (the hazards: block scalars and their chomping, comments around keys,
flow collections, JSON commas, files without a final newline). ``fixers.document`` owns the
edit session (batching, undo, the expected data, the self-check) and asks this for patches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from fixers.render import Source, YamlRenderer, intrinsic, json_text, plain_ok, same
from fixers.template import (
    TEMPLATE_KEYS,
    Located,
    Node,
    PathError,
    Style,
    Template,
    TemplateError,
    compose_yaml,
    locate,
    to_data,
)

__all__ = [
    "ITEM",
    "EditError",
    "Geometry",
    "Patch",
    "PathError",
    "RankFn",
    "canonical_index",
    "canonical_key_index",
    "fmt_path",
]

Path = tuple[Any, ...]
RankFn = Callable[[Any], Any]

ITEM = object()  # the key of an appended item's slot: (list path, ITEM, the item)


class EditError(Exception):
    """An edit that cannot be made as asked; the document is left as it was before the edit."""


@dataclass
class Patch:
    """Text to put in place of ``text[start:end]``; the edit session numbers (``seq``) and
    orders them."""

    start: int
    end: int
    text: str
    seq: int
    depth: int = 0  # at one position, text for deeper containers comes first
    slot: tuple[Path, Any, Any] | None = (
        None  # (mapping, key, None) or (list, ITEM, item) of an insertion
    )
    whole: bool = False  # an insertion that rewrites its (empty) container


class Geometry:
    """The patches for edits to ``text`` as read into ``template``: ``get(path)`` answers what a
    container will hold once the pending edits are made, ``pending`` are those edits' patches
    (appends to one list share a place)."""

    def __init__(
        self,
        text: str,
        template: Template,
        style: Style,
        yaml: YamlRenderer,
        get: Callable[..., Any],
        pending: list[Patch],
    ) -> None:
        self._text = text
        self.template = template
        self.style = style
        self.yaml = yaml
        self.get = get
        self._pending = pending

    def _locate(self, path: Path) -> Located:
        return locate(self.template.root, path)

    def _line_start(self, index: int) -> int:
        return self._text.rfind("\n", 0, index) + 1

    def _line_end(self, index: int) -> int:
        """Index just past the newline that ends the line holding ``index``."""
        if index > 0 and self._text[index - 1] == "\n" and index >= len(self._text):
            return index
        j = self._text.find("\n", index)
        return len(self._text) if j < 0 else j + 1

    def _after_node(self, node: Node) -> int:
        """Where a new line may start after a block node: the end of its last line of content.

        A block scalar's span takes in the blank lines after it; unless it keeps them (``|+``)
        they are not its content, so a line inserted after it goes before them, whatever was
        inserted there before."""
        while node.kind in ("map", "seq") and not node.flow and node.items:
            node = node.items[-1]
        end = node.end
        if node.kind == "scalar" and node.style in ("|", ">") and not self._keeps_trailing(node):
            end = self._value_end(node)
        if end > 0 and self._text[end - 1] == "\n":
            return end
        return self._line_end(end)

    def _keeps_trailing(self, node: Node) -> bool:
        header = re.match(
            r"(?:![^\s]*\s+)?[|>]([0-9+-]*)", self._text[node.start : node.start + 40]
        )
        return bool(header and "+" in header.group(1))

    def _indent_of_line(self, index: int) -> str:
        start = self._line_start(index)
        m = re.match(r"[ \t]*", self._text[start:])
        return m.group() if m else ""

    def _at_line_start(self, at: int, lines: str, value: Any = None) -> str:
        """Whole lines to insert at ``at``; at the end of a file without a final newline the
        newline moves before them, so the file still ends without one, unless what the lines
        end with is a block scalar whose text ends with a line break: that needs the break."""
        if at == 0 or self._text[at - 1] == "\n":
            return lines
        return "\n" + (lines if _ends_with_line_break_block(value) else lines[:-1])

    def replace(self, path: Path, value: Any) -> Patch:
        """The patch that writes ``value`` in place of the node at ``path``. A part of the value
        equal to the node or to a node inside it (a node the edit moves: wrapped in ``Fn::If``,
        put in a list) is written with its own text, re-indented, when that reads back the same
        as the text rendered anew."""
        loc = self._locate(path)
        sources = [] if self.style.is_json or loc.tag_consumed else self._sources(loc.node)
        if not sources:
            return self._replace(loc, path, value)
        self.yaml.sources, self.yaml.reused = sources, False
        try:
            patch: Patch | None = self._replace(loc, path, value)
        except EditError:
            patch = None
        finally:
            reused, self.yaml.sources = self.yaml.reused, []
        if patch is not None and not reused:
            return patch
        fresh = self._replace(loc, path, value)
        if patch is not None and self._reads_alike(patch, fresh):
            return patch
        return fresh

    _MAX_SOURCES = 500
    _ANCHOR = re.compile(r"(?:^|[\s\[{,])&\S")

    def _sources(self, top: Node) -> list[Source]:
        """The texts of ``top`` and the nodes inside it that a new value may reuse."""
        nodes: list[Node] = []
        stack = [top]
        while stack:
            node = stack.pop()
            if node.kind == "alias" or len(nodes) >= self._MAX_SOURCES:
                return []  # an alias's text cannot move alone; a large node is rendered anew
            nodes.append(node)
            stack.extend(reversed(node.items))
        found = (self._source_of(node) for node in nodes)
        return [source for source in found if source is not None]

    def _source_of(self, node: Node) -> Source | None:
        if node.kind == "scalar" and (not isinstance(node.value, str) or node.style in ("|", ">")):
            return None
        if node.kind in ("map", "seq") and not node.items:
            return None
        text = self._text[node.start : self._value_end(node)]
        if self._ANCHOR.search(text):
            return None
        value = to_data(node)
        if node.kind == "scalar" or node.flow:
            if "\n" in text:
                return None
            flow_ok = node.kind != "scalar" or node.style is not None or plain_ok(node.value, True)
            return Source(value, inline=text, flow_ok=flow_ok)
        if node.tag or self._text[self._line_start(node.start) : node.start].strip(" -"):
            return None
        lines = [line.removesuffix("\r") for line in text.split("\n")]
        return Source(value, lines=lines, col=node.col)

    def _reads_alike(self, a: Patch, b: Patch) -> bool:
        """Whether two patches of one place read back as the same data, on the lines they touch."""
        start = self._line_start(min(a.start, b.start))
        end = max(self._line_end(a.end), self._line_end(b.end))
        try:
            read = [
                to_data(
                    compose_yaml(self._text[start : p.start] + p.text + self._text[p.end : end])[0]
                )
                for p in (a, b)
            ]
        except (TemplateError, yaml.YAMLError):
            return False
        return same(read[0], read[1])

    def _replace(self, loc: Located, path: Path, value: Any) -> Patch:
        node = loc.node
        if loc.tag_consumed:
            raise EditError(f"cannot replace the argument of {node.tag} at {fmt_path(path)}")
        if node.kind == "alias":
            raise EditError(f"{fmt_path(path)} is a YAML alias")
        if self.style.is_json:
            compact = self._is_compact(loc.parent) if loc.parent else False
            text = json_text(value, self.style, self._indent_of_line(node.start), compact)
            return Patch(node.start, node.end, text, 0)
        parent = loc.parent
        if (parent is not None and parent.flow) or (
            node.flow and node.kind != "scalar" and self._in_flow(path)
        ):
            flow_text = self.yaml.inline(value, flow=True)
            if flow_text is None:
                raise EditError(f"cannot write a block value inside flow style at {fmt_path(path)}")
            return Patch(node.start, node.end, flow_text, 0)
        inline = self.yaml.inline(value)
        if (
            isinstance(value, str)
            and value.endswith("\n")
            and not self._text.endswith("\n")
            and self._value_end(node) == len(self._text)
        ):
            # A block scalar cannot end the file with a line break the file does not have.
            inline = self.yaml.inline(value, flow=True)
            return Patch(node.start, self._value_end(node), inline or "", 0)
        if (
            node.flow
            and node.items
            and isinstance(value, (dict, list))
            and not (node.tag and not intrinsic(value))
        ):
            # A flow collection stays a flow collection when the new value fits on the line;
            # an empty one (`{}`, `[]`: how block YAML writes "nothing") takes the block style.
            flow_text = self.yaml.inline(value, flow=True)
            if flow_text is not None:
                return Patch(node.start, node.end, flow_text, 0)
        if parent is not None and parent.kind == "map":
            key = parent.keys[parent.key_index(path[-1])]
            colon = self._text.find(":", key.end)
            between = self._text[colon + 1 : node.start]
            lines = self.yaml.after_key(value, key.col)
            end = self._value_end(node)
            if "#" in between:
                if inline is None:
                    raise EditError(f"a comment sits between {fmt_path(path)} and its value")
                return Patch(node.start, node.end, inline, 0)
            return Patch(colon + 1, end, "\n".join(lines), 0)
        if parent is not None and parent.kind == "seq":
            col = node.col
            if inline is not None:
                return Patch(node.start, node.end, inline, 0)
            lines = self.yaml.item(value, col)
            end = self._value_end(node)
            first = lines[0][col:]
            return Patch(node.start, end, "\n".join([first] + lines[1:]), 0)
        raise EditError(f"cannot replace {fmt_path(path)}")

    def _value_end(self, node: Node) -> int:
        """Where a value's own text ends: block scalars and collections end with their last
        non-blank character, so the newline and blank lines after them stay in place."""
        if (node.kind == "scalar" and node.style not in ("|", ">")) or node.flow:
            return node.end
        end = node.end
        while end > node.start and self._text[end - 1] in " \t\r\n":
            end -= 1
        return end

    def _in_flow(self, path: Path) -> bool:
        node = self.template.root
        for step in path[:-1]:
            if node.flow:
                return True
            try:
                node = locate(node, (step,)).node
            except PathError:
                return False
        return node.flow

    def _is_compact(self, container: Node) -> bool:
        return (
            container.kind in ("map", "seq")
            and "\n" not in self._text[container.start : container.end]
        )

    def insert_key(self, parent_path: Path, key: str, value: Any, rank: RankFn | None) -> Patch:
        loc = self._locate(parent_path)
        node = loc.node
        if node.kind != "map" or loc.tag_consumed:
            raise EditError(f"{fmt_path(parent_path)} is not a mapping in the text")
        # The place in the text: right after the key that will precede the new one in the
        # edited mapping, skipping keys other pending insertions add (they share the place).
        expected = list(self.get(parent_path) or {})
        position = canonical_key_index(expected, key, rank, top=not parent_path)
        index = 0
        for before in reversed(expected[:position]):
            if before in node.lookup:
                index = node.lookup[before] + 1
                break
        if not node.items:
            patch = self.replace(parent_path, {key: value})
            patch.whole = True
            return patch
        if self.style.is_json:
            return self._json_insert(node, index, _json_key(key) + ": ", value)
        if node.flow and self._text[node.start] != "{":
            # A single-pair mapping inside a flow sequence (`[0, Key: value]`) has no braces
            # to add to: it becomes a braced flow mapping.
            patch = self.replace(parent_path, {**self.get(parent_path), key: value})
            patch.whole = True
            return patch
        if node.flow:
            text = self.yaml.inline(value, flow=True)
            if text is None:
                raise EditError(
                    f"cannot write a block value into the flow mapping {fmt_path(parent_path)}"
                )
            entry = f"{self.yaml.inline(key, True)}: {text}"
            return self._flow_insert(node, index, entry)
        col = node.keys[0].col
        lines = self.yaml.after_key(value, col)
        from fixers.render import scalar_text

        entry_lines = [" " * col + scalar_text(key, self.style) + ":" + lines[0]] + lines[1:]
        blank = self._blank_between(node)
        if index == len(node.items):
            at = self._after_node(node.items[-1])
        else:
            at = self._line_start(node.keys[index].start)
            at = self._before_leading_comments(at, col)
        text = "\n".join(entry_lines) + "\n"
        if blank:
            text = "\n" + text if index == len(node.items) else text + "\n"
        return Patch(at, at, self._at_line_start(at, text, value), 0)

    def _before_leading_comments(self, at: int, col: int) -> int:
        """Move an insertion point above the comment lines that introduce the next key."""
        while at > 0:
            prev_start = self._line_start(at - 1)
            line = self._text[prev_start:at].strip()
            if line.startswith("#") and self._indent_len(prev_start) == col:
                at = prev_start
            else:
                break
        return at

    def _indent_len(self, line_start: int) -> int:
        m = re.match(r" *", self._text[line_start:])
        return len(m.group()) if m else 0

    def _blank_between(self, node: Node) -> bool:
        if len(node.keys) < 2:
            return False
        gaps = 0
        for prev, nxt in zip(node.items, node.keys[1:], strict=False):
            # From where the value's own text ends: a block scalar's span takes in the blank
            # lines after it.
            end = self._value_end(prev)
            between = self._text[end : nxt.start].replace("\r", "")
            if re.search(r"\n[ \t]*\n", between) or (
                between.startswith("\n") and end > 0 and self._text[end - 1] == "\n"
            ):
                gaps += 1
        return gaps * 2 > len(node.keys) - 1

    def insert_item(self, path: Path, value: Any, rank: RankFn | None) -> Patch:
        loc = self._locate(path)
        node = loc.node
        if node.kind != "seq":
            raise EditError(f"{fmt_path(path)} is not a list in the text")
        if not node.items:
            patch = self.replace(path, [value])
            patch.whole = True
            return patch
        # The place among the items the text has now: the canonical place in the edited list,
        # less the items other pending appends add there.
        expected = self.get(path) or []
        pending = {
            id(p.slot[2])
            for p in self._pending
            if p.slot and p.slot[0] == path and p.slot[1] is ITEM
        }
        position = canonical_index(expected, value, rank)
        index = sum(1 for item in expected[:position] if id(item) not in pending)
        if self.style.is_json:
            return self._json_insert(node, index, "", value)
        if node.flow:
            text = self.yaml.inline(value, flow=True)
            if text is None:
                raise EditError(f"cannot write a block value into the flow list {fmt_path(path)}")
            return self._flow_insert(node, index, text)
        col = node.col if not node.tag else self._dash_col(node)
        item_lines = self.yaml.item(value, col + 2)
        lines = [" " * col + "- " + item_lines[0][col + 2 :]] + item_lines[1:]
        if index == len(node.items):
            at = self._after_node(node.items[-1])
        else:
            at = self._line_start(node.items[index].start)
        return Patch(at, at, self._at_line_start(at, "\n".join(lines) + "\n", value), 0)

    def _dash_col(self, node: Node) -> int:
        first = node.items[0]
        dash = self._text.rfind("-", 0, first.start)
        return dash - self._line_start(dash)

    def _flow_insert(self, node: Node, index: int, entry: str) -> Patch:
        if index < len(node.items):
            target = node.keys[index] if node.kind == "map" else node.items[index]
            return Patch(target.start, target.start, entry + ", ", 0)
        last = node.items[-1]
        return Patch(last.end, last.end, ", " + entry, 0)

    def _json_insert(self, node: Node, index: int, key_text: str, value: Any) -> Patch:
        compact = self._is_compact(node)
        first = node.keys[0] if node.kind == "map" else node.items[0]
        indent = self._indent_of_line(first.start) if not compact else ""
        body = key_text + json_text(value, self.style, indent, compact)
        if index < len(node.items):
            target = node.keys[index] if node.kind == "map" else node.items[index]
            sep = ", " if compact else ",\n" + indent
            return Patch(target.start, target.start, body + sep, 0)
        last = node.items[-1]
        sep = ", " if compact else ",\n" + indent
        return Patch(last.end, last.end, sep + body, 0)

    def remove(self, path: Path) -> Patch:
        loc = self._locate(path)
        parent = loc.parent
        node = loc.node
        assert parent is not None
        if parent.kind == "map":
            i = parent.key_index(path[-1])
            first = parent.keys[i]
        else:
            i = path[-1] if path[-1] >= 0 else len(parent.items) + path[-1]
            first = node
        if self.style.is_json or parent.flow:
            if i + 1 < len(parent.items):
                nxt = parent.keys[i + 1] if parent.kind == "map" else parent.items[i + 1]
                return Patch(first.start, nxt.start, "", 0)
            prev = parent.items[i - 1]
            return Patch(prev.end, node.end, "", 0)
        start = self._line_start(first.start)
        if parent.kind == "seq":
            start = self._line_start(self._text.rfind("-", 0, node.start))
        if self._text[start : first.start].strip(" -"):
            raise EditError(f"cannot remove {fmt_path(path)}: it shares its line")
        end = self._after_node(node)
        if end == len(self._text) and not self._text.endswith("\n") and start > 0:
            # The last lines of a file without a final newline: the break before them goes too.
            start -= 2 if self._text[start - 2 : start] == "\r\n" else 1
        return Patch(start, end, "", 0)


def _ends_with_line_break_block(value: Any) -> bool:
    """The last thing rendered for ``value`` is a block scalar whose text ends with a break."""
    while isinstance(value, (dict, list)) and value:
        value = list(value.values())[-1] if isinstance(value, dict) else value[-1]
    return isinstance(value, str) and value.endswith("\n") and "\n" in value.rstrip("\n")


def _json_key(key: str) -> str:
    import json

    return json.dumps(key, ensure_ascii=False)


def canonical_key_index(keys: list[str], key: str, rank: RankFn | None, top: bool) -> int:
    """Where a new key goes: top-level sections in CloudFormation's order; else after the last
    key that does not rank after it, so that the result does not depend on the order of edits."""
    if top:
        order = {k: i for i, k in enumerate(TEMPLATE_KEYS)}
        mine = order.get(key, len(order))
        for i, existing in enumerate(keys):
            if order.get(existing, len(order)) > mine:
                return i
        return len(keys)
    return canonical_index(keys, key, rank)


def canonical_index(items: list[Any], value: Any, rank: RankFn | None) -> int:
    """Where ``Document.append`` puts ``value`` in ``items``: after the last item that does not
    rank after it (at the end without a rank), so the result does not depend on edit order."""
    if rank is None:
        return len(items)
    mine = rank(value)
    if mine is None:
        return len(items)
    i = len(items)
    while i > 0:
        theirs = rank(items[i - 1])
        if theirs is None or not theirs > mine:
            break
        i -= 1
    return i


def fmt_path(path: tuple[Any, ...]) -> str:
    return "/".join(str(p) for p in path)
