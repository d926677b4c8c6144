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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from fixers import cfn, config, limits
from fixers.patches import (
    ITEM,
    EditError,
    Geometry,
    Patch,
    PathError,
    RankFn,
    canonical_index,
    canonical_key_index,
    fmt_path,
)
from fixers.render import YamlRenderer, intrinsic
from fixers.template import Template, TemplateError, fn_name

Path = tuple[Any, ...]


class Edit(NamedTuple):
    """One edit as the deploy-impact question needs it: ``kind`` is ``set`` (a value replaced
    or a key added), ``append`` (an item added to a list) or ``delete`` (a key or item removed);
    ``path`` is where, the item's index included."""

    kind: str
    path: Path


class SelfCheckError(EditError):
    """The edited text does not read back as the edited tree."""


@dataclass(frozen=True)
class Mark:
    """A point to go back to: the one checkpoint type. ``Document.mark`` makes a cheap one
    (no copy, no reading; ``rollback`` undoes the edits made since, in the same document);
    ``Document.checkpoint`` a self-contained one (``undo`` None: the text, its tree and a copy
    of the data), which ``restore`` puts any document of the same file back to."""

    undo: int | None
    text: str
    template: Template
    pending: tuple[Patch, ...]
    pending_paths: tuple[tuple[str, Path], ...]
    fresh: tuple[tuple[Path, Callable[[], Patch | list[Patch]]], ...]
    edited: int
    expected: dict[str, Any]  # the data object, and its index in fixers.cfn, at the mark
    index: Any = None


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
        self._pending: list[Patch] = []
        self._pending_paths: list[tuple[str, Path]] = []  # what pending patches claim
        # Entries pending insertions add, each with how to render its insertion again: an edit
        # inside such an entry changes the data and renders the insertion anew, no reading needed.
        self._fresh: dict[Path, Callable[[], Patch | list[Patch]]] = {}
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

    def checkpoint(self) -> Mark:
        """A self-contained point (see ``Mark``): the app's undo steps, a plan made on a copy."""
        self.flush()
        return Mark(
            None,
            self._text,
            self.template,
            (),
            (),
            (),
            len(self.edits),
            copy.deepcopy(self._expected),
        )

    def restore(self, point: Mark, edits: int | None = None) -> None:
        """Put the document at a ``checkpoint`` of it, or of another document of the same file;
        keep ``edits`` of the edits recorded (default: as many as the checkpoint had)."""
        if point.undo is not None:
            raise ValueError("a mark goes back with rollback(), in the document it came from")
        self._pending.clear()
        self._pending_paths.clear()
        self._fresh.clear()
        if point.text != self._text:
            # The checkpoint carries the tree its text was read into (templates are never
            # changed once read): no second reading.
            self._text = point.text
            self.template = point.template
        self._expected = point.expected
        # Shared with the checkpoint: the next edit copies it first, so the checkpoint stays as
        # it was (it can be restored again). Marks taken before a restore are void.
        self._expected_shared = True
        self._undo.clear()
        cfn.track(point.expected)
        del self.edits[point.edited if edits is None else edits :]

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
        if mark.undo is None:
            raise ValueError("a checkpoint goes back with restore()")
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

        def order(patch: Patch) -> int:
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
            return orders[parent].get(id(item) if key is ITEM else key, 0)

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
            def insert() -> Patch:
                return self._geometry().insert_key(parent_path, key, self.get(path), rank)

            self._model_insert(parent_path, key, value, rank)
            try:
                self._edit(path, insert, (parent_path, key, None))
            except Exception:
                self._undo_to(len(self._undo) - 1)  # the model insertion just made
                raise
            self._fresh[path] = insert
        elif isinstance(parent, (dict, list)):
            self._edit(path, lambda: self._geometry().replace(path, value))
            self._model_set(path, value)
        else:
            raise EditError(f"{fmt_path(parent_path)} is not a mapping")
        self.edits.append(Edit("set", path))

    def append(self, path: Path, value: Any, rank: RankFn | None = None) -> None:
        """Add an item to the list at ``path`` (created when absent), at its canonical place."""
        path = tuple(path)
        current = self.get(path, _MISSING)
        if current is _MISSING or current is None:
            self.set(path, [value])
            return
        if not isinstance(current, list):
            raise EditError(f"{fmt_path(path)} is not a list")
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
                lambda: self._geometry().insert_item(path, value, rank),
                (path, ITEM, item),
                appending=True,
            )
            change()
        self.edits.append(Edit("append", path + (index,)))

    def delete(self, path: Path) -> None:
        """Remove a key from its mapping or an item from its list."""
        path = tuple(path)
        if not self.exists(path):
            raise EditError(f"{fmt_path(path)} does not exist")
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
            self._edit(path[:-1], lambda: self._geometry().remove(path))
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
        index = canonical_key_index(keys, key, rank, top=not parent_path)
        items = list(parent.items())
        self._undo.append((parent, list(items)))
        items.insert(index, (key, copy.deepcopy(value)))
        parent.clear()
        parent.update(items)

    # -- internals: text patches -------------------------------------------------------------

    def _geometry(self) -> Geometry:
        """Patches for the text as last read (``fixers.patches``)."""
        return Geometry(self._text, self.template, self.style, self.yaml, self.get, self._pending)

    def _edit(
        self,
        path: Path,
        make: Callable[[], Patch | list[Patch]],
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
                raise EditError(f"cannot find {fmt_path(path)} in the text") from None
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
        made: Patch | list[Patch],
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


_MISSING = object()


def _first_difference(actual: Any, expected: Any, path: tuple[Any, ...] = ()) -> str:
    if type(actual) is not type(expected):
        return f"{fmt_path(path) or '/'}: reads back as {actual!r:.80}, expected {expected!r:.80}"
    if isinstance(actual, dict):
        if list(actual) != list(expected):
            return f"{fmt_path(path) or '/'}: keys read back as {list(actual)!r:.120}, expected {list(expected)!r:.120}"
        for k in actual:
            if actual[k] != expected[k]:
                return _first_difference(actual[k], expected[k], path + (k,))
    if isinstance(actual, list):
        if len(actual) != len(expected):
            return f"{fmt_path(path)}: {len(actual)} items read back, expected {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=False)):
            if a != e:
                return _first_difference(a, e, path + (i,))
    return f"{fmt_path(path) or '/'}: reads back as {actual!r:.80}, expected {expected!r:.80}"


__all__ = ["Document", "EditError", "SelfCheckError", "fn_name", "intrinsic"]
