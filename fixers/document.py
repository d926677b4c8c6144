"""An editable template: data-level edits become minimal text patches at the recorded spans.

Every edit names a path into the template's plain data (long-form intrinsics) and a new value.
The edit is turned into a text patch at that node's span, rendered in the file's style; lines
the edit does not touch are never rewritten. Edits that touch different places are batched and
applied together; the text is read again only when an edit needs a place a pending one changes.
Alongside the text, the document keeps the data it expects, so the self-check can prove that
the new text reads back as exactly the edited tree.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from fixers import cfn, config, limits
from fixers.render import YamlRenderer, intrinsic, json_text
from fixers.template import (
    TEMPLATE_KEYS,
    Located,
    Node,
    PathError,
    Template,
    TemplateError,
    fn_name,
    locate,
)

Path = tuple[Any, ...]


class Edit(NamedTuple):
    """One edit as the deploy-impact question needs it: ``kind`` is ``set`` (a value replaced
    or a key added), ``append`` (an item added to a list) or ``delete`` (a key or item removed);
    ``path`` is where, the item's index included."""

    kind: str
    path: Path


class EditError(Exception):
    """An edit that cannot be made as asked; the document is left as it was before the edit."""


class SelfCheckError(EditError):
    """The edited text does not read back as the edited tree."""


@dataclass
class _Patch:
    start: int
    end: int
    text: str
    seq: int
    depth: int = 0  # at one position, text for deeper containers comes first
    slot: tuple[Path, Any, Any] | None = (
        None  # (mapping, key, None) or (list, _ITEM, item) of an insertion
    )
    whole: bool = False  # an insertion that rewrites its (empty) container


@dataclass(frozen=True)
class Mark:
    """A cheap point to roll back to (see ``Document.mark``)."""

    undo: int
    text: str
    template: Template
    pending: tuple[_Patch, ...]
    pending_paths: tuple[tuple[str, Path], ...]
    fresh: tuple[tuple[Path, Callable[[], _Patch | list[_Patch]]], ...]
    edited: int
    expected: dict[str, Any]  # the data object, and its index in fixers.cfn, at the mark
    index: Any = None


RankFn = Callable[[Any], Any]


def _is_under(path: Path, prefix: Path) -> bool:
    return len(path) >= len(prefix) and tuple(path[: len(prefix)]) == tuple(prefix)


class Document:
    """A template being edited. ``text`` and ``data`` are always current."""

    def __init__(self, template: Template, settings: config.Settings | None = None) -> None:
        self.template = template
        # The project settings in force for this template (fixers.config): what rules and fixes
        # read, so that a process can work on templates of several projects at once.
        self.settings = settings if settings is not None else config.Settings()
        self.path = template.path
        self.original_text = template.text
        self.style = template.style
        self._text = template.text
        self._expected: dict[str, Any] = template.data
        # The template as deployed: what fixes' deploy impact is measured against (never edited:
        # the first edit copies the data it changes).
        self.deployed: dict[str, Any] = template.data
        self._expected_shared = True  # expected is template.data until the first edit
        self._pending: list[_Patch] = []
        self._pending_paths: list[tuple[str, Path]] = []  # what pending patches claim
        # Entries pending insertions add, each with how to render its insertion again: an edit
        # inside such an entry changes the data and renders the insertion anew, no reading needed.
        self._fresh: dict[Path, Callable[[], _Patch | list[_Patch]]] = {}
        self._undo: list[tuple[Any, list[Any]]] = []  # (container, its items before a change)
        self._seq = 0
        self.edits: list[Edit] = []
        self.yaml = YamlRenderer(self.style)
        cfn.track(self._expected)
        self._sized: tuple[str, int] = ("", 0)
        self.original_measure = self.measure()

    @classmethod
    def from_text(
        cls,
        text: str,
        path: str = "<template>",
        bom: bool = False,
        settings: config.Settings | None = None,
    ) -> Document:
        return cls(Template(text, bom=bom, path=path), settings)

    # -- state -----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        self.flush()
        return self._text

    @property
    def data(self) -> dict[str, Any]:
        """The template's data as edited so far (what the text reads back as)."""
        return self._expected

    @property
    def edited_paths(self) -> list[Path]:
        """Where each edit so far was made (a removal counts at the mapping or list it left)."""
        return [e.path[:-1] if e.kind == "delete" else e.path for e in self.edits]

    @property
    def changed(self) -> bool:
        return self.text != self.original_text

    def size(self) -> int:
        """Bytes the file will have (UTF-8, with its BOM), pending edits included: measured
        without applying them, so a fix can be weighed before the text is read again."""
        if self._sized[0] is not self._text:
            self._sized = (
                self._text,
                len(self._text.encode("utf-8", "surrogatepass")) + 3 * self.template.bom,
            )
        size = self._sized[1]
        for p in self._pending:
            size += len(p.text.encode("utf-8", "surrogatepass")) - len(
                self._text[p.start : p.end].encode("utf-8", "surrogatepass")
            )
        return size

    def measure(self) -> limits.Measure:
        """The template as CloudFormation's limits see it now (``fixers.limits``)."""
        return limits.measure(self._expected, self.size())

    def checkpoint(self) -> tuple[str, dict[str, Any], int]:
        self.flush()
        return self._text, copy.deepcopy(self._expected), len(self.edits)

    def restore(self, point: tuple[str, dict[str, Any], int]) -> None:
        text, expected, n_paths = point
        self._pending.clear()
        self._pending_paths.clear()
        self._fresh.clear()
        if text != self._text:
            self._text = text
            self.template = Template(text, bom=self.template.bom, path=self.path)
        self._expected = expected
        self._expected_shared = False
        cfn.track(expected)
        del self.edits[n_paths:]

    def mark(self) -> Mark:
        """A point to roll back to that costs no copy of the template and no reading of it:
        the engine takes one before each fix. ``checkpoint`` is the self-contained snapshot."""
        return Mark(
            len(self._undo),
            self._text,
            self.template,
            tuple(self._pending),
            tuple(self._pending_paths),
            tuple(self._fresh.items()),
            len(self.edits),
            self._expected,
            cfn.saved_index(self._expected),
        )

    def rollback(self, mark: Mark) -> None:
        """Undo every edit made since ``mark``."""
        self._undo_to(mark.undo)
        self._text = mark.text
        self.template = mark.template
        self._pending = list(mark.pending)
        self._pending_paths = list(mark.pending_paths)
        self._fresh = dict(mark.fresh)
        del self.edits[mark.edited :]
        if self._expected is mark.expected:
            # The undo put back the same objects: what was known of them at the mark holds again
            # (the engine tries every fix and undoes it to label its impact).
            cfn.restore_index(self._expected, mark.index)

    def flush(self) -> None:
        """Apply the pending patches and read the text again.

        Raises SelfCheckError (the document left as it was) if the patched text cannot be read.
        """
        if not self._pending:
            return
        text = self._text
        parts: list[str] = []
        at = 0
        orders: dict[Path, dict[Any, int]] = {}

        def order(patch: _Patch) -> int:
            # Insertions at one place come in the order their container has now, after them all.
            if patch.slot is None:
                return 0
            parent, key, item = patch.slot
            if parent not in orders:
                container = self.get(parent)
                if isinstance(container, dict):
                    orders[parent] = {k: i for i, k in enumerate(container)}
                else:
                    orders[parent] = {id(x): i for i, x in enumerate(container or [])}
            return orders[parent].get(id(item) if key is _ITEM else key, 0)

        for patch in sorted(self._pending, key=lambda p: (p.start, -p.depth, order(p), p.seq)):
            parts.append(text[at : patch.start])
            parts.append(patch.text)
            at = max(at, patch.end)
        parts.append(text[at:])
        text = "".join(parts)
        try:
            template = Template(text, bom=self.template.bom, path=self.path)
        except TemplateError as exc:
            raise SelfCheckError(f"the edited text does not read back: {exc.message}") from None
        self._pending.clear()
        self._pending_paths.clear()
        self._fresh.clear()
        self._text = text
        self.template = template

    def self_check(self) -> None:
        """The text reads back as the edited tree; raises SelfCheckError otherwise."""
        self.flush()
        if self.template.data != self._expected:
            raise SelfCheckError(_first_difference(self.template.data, self._expected))

    # -- reading ---------------------------------------------------------------------------

    def get(self, path: Path, default: Any = None) -> Any:
        value: Any = self._expected
        for step in path:
            if (isinstance(value, dict) and step in value) or (
                isinstance(value, list)
                and isinstance(step, int)
                and -len(value) <= step < len(value)
            ):
                value = value[step]
            else:
                return default
        return value

    def exists(self, path: Path) -> bool:
        sentinel = object()
        return self.get(path, sentinel) is not sentinel

    def line_of(self, path: Path) -> tuple[int, int]:
        self.flush()
        return self.template.line_of(path)

    # -- edits -----------------------------------------------------------------------------

    def set(self, path: Path, value: Any, rank: RankFn | None = None) -> None:
        """Set the value at ``path``, creating the key (and missing parents) where absent."""
        path = tuple(path)
        if not path:
            raise EditError("cannot replace the whole template")
        if self.get(path, _MISSING) == value and self.exists(path):
            return
        for n in range(len(path) - 1, 0, -1):
            if isinstance(self.get(path[:n], None), (dict, list)):
                break
        else:
            n = 0
        if n < len(path) - 1:
            nested: Any = value
            for step in reversed(path[n + 1 :]):
                if isinstance(step, int):
                    raise EditError(f"cannot create list item {step} of {path}")
                nested = {step: nested}
            value, path = nested, path[: n + 1]
        parent_path, key = path[:-1], path[-1]
        parent = self.get(parent_path)
        if isinstance(parent, dict) and key not in parent:
            change = lambda: self._model_insert(parent_path, key, value, rank)  # noqa: E731
        else:
            change = lambda: self._model_set(path, value)  # noqa: E731
        if isinstance(parent, (dict, list)) and self._merge(path, change):
            pass
        elif isinstance(parent, dict) and key not in parent:
            # An insertion claims only the new entry: edits elsewhere in the mapping, and other
            # insertions into it, can share the same batch of patches.
            def insert() -> _Patch:
                return self._insert_key(parent_path, key, self.get(path), rank)

            self._model_insert(parent_path, key, value, rank)
            try:
                self._edit(path, insert, (parent_path, key, None))
            except Exception:
                self._undo_to(len(self._undo) - 1)  # the model insertion just made
                raise
            self._fresh[path] = insert
        elif isinstance(parent, (dict, list)):
            self._edit(path, lambda: self._replace(path, value))
            self._model_set(path, value)
        else:
            raise EditError(f"{_fmt(parent_path)} is not a mapping")
        self.edits.append(Edit("set", path))

    def append(self, path: Path, value: Any, rank: RankFn | None = None) -> None:
        """Add an item to the list at ``path`` (created when absent), at its canonical place."""
        path = tuple(path)
        current = self.get(path, _MISSING)
        if current is _MISSING or current is None:
            self.set(path, [value])
            return
        if not isinstance(current, list):
            raise EditError(f"{_fmt(path)} is not a list")
        index = canonical_index(current, value, rank)
        item = copy.deepcopy(value)

        def change() -> None:
            self._own_expected()
            node = self.get(path)
            self._undo.append((node, list(node)))
            node.insert(index, item)

        if not self._merge(path, change):
            # Appends to one list share a batch; anything else under the list waits for them.
            self._edit(
                path,
                lambda: self._insert_item(path, value, rank),
                (path, _ITEM, item),
                appending=True,
            )
            change()
        self.edits.append(Edit("append", path + (index,)))

    def delete(self, path: Path) -> None:
        """Remove a key from its mapping or an item from its list."""
        path = tuple(path)
        if not self.exists(path):
            raise EditError(f"{_fmt(path)} does not exist")
        parent = self.get(path[:-1])
        if len(parent) == 1:
            self.set(path[:-1], {} if isinstance(parent, dict) else [])
            self.edits[-1] = Edit("delete", path)
            return

        def change() -> None:
            self._own_expected()
            container = self.get(path[:-1])
            self._undo.append(
                (
                    container,
                    list(container.items()) if isinstance(container, dict) else list(container),
                )
            )
            del container[path[-1]]

        if not self._merge(path[:-1], change):
            self._edit(path[:-1], lambda: self._remove(path))
            change()
        self.edits.append(Edit("delete", path))

    # -- internals: edits inside entries pending insertions add -----------------------------

    def _fresh_host(self, path: Path) -> Path | None:
        """The pending insertion whose new entry holds ``path``, if no other pending edit
        touches it: the edit then needs no reading of the text, only the entry rendered anew."""
        for host in self._fresh:
            if _is_under(path, host):
                for _, pending in self._pending_paths:
                    if pending != host and (_is_under(path, pending) or _is_under(pending, path)):
                        return None
                return host
        return None

    def _merge(self, path: Path, change: Callable[[], None]) -> bool:
        """Make an edit at ``path`` inside an entry a pending insertion adds, if there is one:
        change the data, render the insertion again. False (the document as it was) if there is
        none, or if the entry cannot be rendered so (a flow mapping grown past its line): the
        caller then edits the text the ordinary way, which reads it first."""
        host = self._fresh_host(path)
        if host is None:
            return False
        mark = self.mark()
        try:
            change()
            self._render_again(host)
        except (EditError, PathError, LookupError, TypeError):
            self.rollback(mark)
            return False
        return True

    def _render_again(self, host: Path) -> None:
        """Render the insertion of ``host`` again from the data it holds now."""
        slot = (host[:-1], host[-1], None)
        old = [p for p in self._pending if p.slot == slot]
        self._pending = [p for p in self._pending if p.slot != slot]
        # The insertion keeps its place among the pending ones.
        self._queue(self._fresh[host](), len(host), slot, tuple(p.seq for p in old))

    def _undo_to(self, n: int) -> None:
        """Put back what the changes recorded after the first ``n`` undo records changed."""
        if len(self._undo) > n:
            cfn.changed(self._expected)
        while len(self._undo) > n:
            container, items = self._undo.pop()
            container.clear()
            if isinstance(container, dict):
                container.update(items)
            else:
                container.extend(items)

    # -- internals: keeping the expected data --------------------------------------------------

    def _own_expected(self) -> None:
        if self._expected_shared:
            self._expected = copy.deepcopy(self._expected)
            self._expected_shared = False
            cfn.track(self._expected)
        cfn.changed(self._expected)

    def _model_set(self, path: Path, value: Any) -> None:
        self._own_expected()
        container = self.get(path[:-1])
        self._undo.append(
            (container, list(container.items()) if isinstance(container, dict) else list(container))
        )
        container[path[-1]] = copy.deepcopy(value)

    def _model_insert(self, parent_path: Path, key: str, value: Any, rank: RankFn | None) -> None:
        self._own_expected()
        parent = self.get(parent_path)
        keys = list(parent)
        index = _canonical_key_index(keys, key, rank, top=not parent_path)
        items = list(parent.items())
        self._undo.append((parent, list(items)))
        items.insert(index, (key, copy.deepcopy(value)))
        parent.clear()
        parent.update(items)

    # -- internals: text patches -------------------------------------------------------------

    def _edit(
        self,
        path: Path,
        make: Callable[[], _Patch | list[_Patch]],
        slot: tuple[Path, Any, Any] | None = None,
        appending: bool = False,
    ) -> None:
        """Compute a patch on the current tree, reading the text again first if it must."""
        claim = ("append" if appending else "edit", path)
        for kind, pending in self._pending_paths:
            if appending and kind == "append" and pending == path:
                continue
            if _is_under(path, pending) or _is_under(pending, path):
                self.flush()
                break
        try:
            patches = make()
        except PathError:
            if not self._pending:
                raise EditError(f"cannot find {_fmt(path)} in the text") from None
            self.flush()
            try:
                patches = make()
            except PathError as exc:
                raise EditError(str(exc)) from None
        patches = patches if isinstance(patches, list) else [patches]
        if any(p.whole for p in patches):
            # It rewrites the whole container: nothing else may go into it in this batch.
            claim = ("edit", path if appending else path[:-1])
        # The depth of the container the text goes into: an item appended to a list sits one
        # level below the list, like a key inserted into a mapping below the mapping.
        self._queue(patches, len(path) + 1 if appending else len(path), slot)
        self._pending_paths.append(claim)

    def _queue(
        self,
        made: _Patch | list[_Patch],
        depth: int,
        slot: tuple[Path, Any, Any] | None,
        seqs: tuple[int, ...] = (),
    ) -> None:
        """Make one edit's patches pending: numbered in edit order (or with ``seqs``, those of
        the patches they replace), at their container's depth, with the file's line breaks."""
        for i, patch in enumerate(made if isinstance(made, list) else [made]):
            if i < len(seqs):
                patch.seq = seqs[i]
            else:
                patch.seq = self._seq
                self._seq += 1
            patch.depth = depth
            patch.slot = slot
            if self.style.newline != "\n":
                patch.text = patch.text.replace("\r\n", "\n").replace("\n", self.style.newline)
            self._pending.append(patch)

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

    def _replace(self, path: Path, value: Any) -> _Patch:
        loc = self._locate(path)
        node = loc.node
        if loc.tag_consumed:
            raise EditError(f"cannot replace the argument of {node.tag} at {_fmt(path)}")
        if node.kind == "alias":
            raise EditError(f"{_fmt(path)} is a YAML alias")
        if self.style.is_json:
            compact = self._is_compact(loc.parent) if loc.parent else False
            text = json_text(value, self.style, self._indent_of_line(node.start), compact)
            return _Patch(node.start, node.end, text, 0)
        parent = loc.parent
        if (parent is not None and parent.flow) or (
            node.flow and node.kind != "scalar" and self._in_flow(path)
        ):
            flow_text = self.yaml.inline(value, flow=True)
            if flow_text is None:
                raise EditError(f"cannot write a block value inside flow style at {_fmt(path)}")
            return _Patch(node.start, node.end, flow_text, 0)
        inline = self.yaml.inline(value)
        if (
            isinstance(value, str)
            and value.endswith("\n")
            and not self._text.endswith("\n")
            and self._value_end(node) == len(self._text)
        ):
            # A block scalar cannot end the file with a line break the file does not have.
            inline = self.yaml.inline(value, flow=True)
            return _Patch(node.start, self._value_end(node), inline or "", 0)
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
                return _Patch(node.start, node.end, flow_text, 0)
        if parent is not None and parent.kind == "map":
            key = parent.keys[parent.key_index(path[-1])]
            colon = self._text.find(":", key.end)
            between = self._text[colon + 1 : node.start]
            lines = self.yaml.after_key(value, key.col)
            end = self._value_end(node)
            if "#" in between:
                if inline is None:
                    raise EditError(f"a comment sits between {_fmt(path)} and its value")
                return _Patch(node.start, node.end, inline, 0)
            return _Patch(colon + 1, end, "\n".join(lines), 0)
        if parent is not None and parent.kind == "seq":
            col = node.col
            if inline is not None:
                return _Patch(node.start, node.end, inline, 0)
            lines = self.yaml.item(value, col)
            end = self._value_end(node)
            first = lines[0][col:]
            return _Patch(node.start, end, "\n".join([first] + lines[1:]), 0)
        raise EditError(f"cannot replace {_fmt(path)}")

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

    def _insert_key(self, parent_path: Path, key: str, value: Any, rank: RankFn | None) -> _Patch:
        loc = self._locate(parent_path)
        node = loc.node
        if node.kind != "map" or loc.tag_consumed:
            raise EditError(f"{_fmt(parent_path)} is not a mapping in the text")
        # The place in the text: right after the key that will precede the new one in the
        # edited mapping, skipping keys other pending insertions add (they share the place).
        expected = list(self.get(parent_path) or {})
        position = _canonical_key_index(expected, key, rank, top=not parent_path)
        index = 0
        for before in reversed(expected[:position]):
            if before in node.lookup:
                index = node.lookup[before] + 1
                break
        if not node.items:
            patch = self._replace(parent_path, {key: value})
            patch.whole = True
            return patch
        if self.style.is_json:
            return self._json_insert(node, index, _json_key(key) + ": ", value)
        if node.flow and self._text[node.start] != "{":
            # A single-pair mapping inside a flow sequence (`[0, Key: value]`) has no braces
            # to add to: it becomes a braced flow mapping.
            patch = self._replace(parent_path, {**self.get(parent_path), key: value})
            patch.whole = True
            return patch
        if node.flow:
            text = self.yaml.inline(value, flow=True)
            if text is None:
                raise EditError(
                    f"cannot write a block value into the flow mapping {_fmt(parent_path)}"
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
        return _Patch(at, at, self._at_line_start(at, text, value), 0)

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

    def _insert_item(self, path: Path, value: Any, rank: RankFn | None) -> _Patch:
        loc = self._locate(path)
        node = loc.node
        if node.kind != "seq":
            raise EditError(f"{_fmt(path)} is not a list in the text")
        if not node.items:
            patch = self._replace(path, [value])
            patch.whole = True
            return patch
        # The place among the items the text has now: the canonical place in the edited list,
        # less the items other pending appends add there.
        expected = self.get(path) or []
        pending = {
            id(p.slot[2])
            for p in self._pending
            if p.slot and p.slot[0] == path and p.slot[1] is _ITEM
        }
        position = canonical_index(expected, value, rank)
        index = sum(1 for item in expected[:position] if id(item) not in pending)
        if self.style.is_json:
            return self._json_insert(node, index, "", value)
        if node.flow:
            text = self.yaml.inline(value, flow=True)
            if text is None:
                raise EditError(f"cannot write a block value into the flow list {_fmt(path)}")
            return self._flow_insert(node, index, text)
        col = node.col if not node.tag else self._dash_col(node)
        item_lines = self.yaml.item(value, col + 2)
        lines = [" " * col + "- " + item_lines[0][col + 2 :]] + item_lines[1:]
        if index == len(node.items):
            at = self._after_node(node.items[-1])
        else:
            at = self._line_start(node.items[index].start)
        return _Patch(at, at, self._at_line_start(at, "\n".join(lines) + "\n", value), 0)

    def _dash_col(self, node: Node) -> int:
        first = node.items[0]
        dash = self._text.rfind("-", 0, first.start)
        return dash - self._line_start(dash)

    def _flow_insert(self, node: Node, index: int, entry: str) -> _Patch:
        if index < len(node.items):
            target = node.keys[index] if node.kind == "map" else node.items[index]
            return _Patch(target.start, target.start, entry + ", ", 0)
        last = node.items[-1]
        return _Patch(last.end, last.end, ", " + entry, 0)

    def _json_insert(self, node: Node, index: int, key_text: str, value: Any) -> _Patch:
        compact = self._is_compact(node)
        first = node.keys[0] if node.kind == "map" else node.items[0]
        indent = self._indent_of_line(first.start) if not compact else ""
        body = key_text + json_text(value, self.style, indent, compact)
        if index < len(node.items):
            target = node.keys[index] if node.kind == "map" else node.items[index]
            sep = ", " if compact else ",\n" + indent
            return _Patch(target.start, target.start, body + sep, 0)
        last = node.items[-1]
        sep = ", " if compact else ",\n" + indent
        return _Patch(last.end, last.end, sep + body, 0)

    def _remove(self, path: Path) -> _Patch:
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
                return _Patch(first.start, nxt.start, "", 0)
            prev = parent.items[i - 1]
            return _Patch(prev.end, node.end, "", 0)
        start = self._line_start(first.start)
        if parent.kind == "seq":
            start = self._line_start(self._text.rfind("-", 0, node.start))
        if self._text[start : first.start].strip(" -"):
            raise EditError(f"cannot remove {_fmt(path)}: it shares its line")
        end = self._after_node(node)
        if end == len(self._text) and not self._text.endswith("\n") and start > 0:
            # The last lines of a file without a final newline: the break before them goes too.
            start -= 2 if self._text[start - 2 : start] == "\r\n" else 1
        return _Patch(start, end, "", 0)


_MISSING = object()


def _ends_with_line_break_block(value: Any) -> bool:
    """The last thing rendered for ``value`` is a block scalar whose text ends with a break."""
    while isinstance(value, (dict, list)) and value:
        value = list(value.values())[-1] if isinstance(value, dict) else value[-1]
    return isinstance(value, str) and value.endswith("\n") and "\n" in value.rstrip("\n")


_ITEM = object()  # the key of an appended item's slot: (list path, _ITEM, the item)


def _json_key(key: str) -> str:
    import json

    return json.dumps(key, ensure_ascii=False)


def _canonical_key_index(keys: list[str], key: str, rank: RankFn | None, top: bool) -> int:
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


def _first_difference(actual: Any, expected: Any, path: tuple[Any, ...] = ()) -> str:
    if type(actual) is not type(expected):
        return f"{_fmt(path) or '/'}: reads back as {actual!r:.80}, expected {expected!r:.80}"
    if isinstance(actual, dict):
        if list(actual) != list(expected):
            return f"{_fmt(path) or '/'}: keys read back as {list(actual)!r:.120}, expected {list(expected)!r:.120}"
        for k in actual:
            if actual[k] != expected[k]:
                return _first_difference(actual[k], expected[k], path + (k,))
    if isinstance(actual, list):
        if len(actual) != len(expected):
            return f"{_fmt(path)}: {len(actual)} items read back, expected {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=False)):
            if a != e:
                return _first_difference(a, e, path + (i,))
    return f"{_fmt(path) or '/'}: reads back as {actual!r:.80}, expected {expected!r:.80}"


def _fmt(path: tuple[Any, ...]) -> str:
    return "/".join(str(p) for p in path)


__all__ = ["Document", "EditError", "SelfCheckError", "fn_name", "intrinsic"]
