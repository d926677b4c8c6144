"""Load a CloudFormation template (YAML or JSON) into a span tree, a plain-data view and its style.

The span tree records where every node starts and ends in the source text, which is what the
writer needs to patch the text in place. YAML is read with libyaml's event stream (the YAML 1.1
reader that CloudFormation and cfn-lint use); JSON with a small position-keeping parser whose
values equal ``json.loads``. Both are iterative, so deep nesting cannot overflow the stack.
The plain-data view is the template as cfn-lint sees it: short-form tags become their long form
(``!Ref X`` is ``{"Ref": "X"}``), so rules never care how a template spells an intrinsic.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]  # public at runtime, not in typeshed
from typing import Any

import yaml

MAX_DEPTH = 200
"""Deepest nesting accepted; real templates stay under 30, and deeper input is refused up front."""

MAX_ALIAS_EXPANSION = 100_000
"""Nodes that YAML aliases may add when expanded: refuses alias bombs (CloudFormation has no aliases)."""

TEMPLATE_KEYS = (
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
)
"""Top-level sections in the order CloudFormation documents them; new sections follow it."""

UNPREFIXED_TAGS = {"Ref", "Condition"}


class TemplateError(Exception):
    """The text is not a template this tool can read; ``str()`` is one line for the user."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def located(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass(eq=False, slots=True)
class Node:
    """One node of the source: a mapping, a sequence, a scalar or an alias."""

    kind: str  # "map", "seq", "scalar" or "alias"
    start: int  # index of the node's first character (its tag, if it has one)
    end: int  # index just past the node's last character (last leaf for block collections)
    line: int  # 0-based
    col: int
    tag: str | None = None  # a local tag as written ("!Ref"), None for plain nodes
    flow: bool = False
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    value: Any = None  # scalar value (YAML 1.1 / JSON semantics)
    keys: list[Node] = field(default_factory=list)  # mapping keys
    items: list[Node] = field(default_factory=list)  # mapping values or sequence items
    target: Node | None = None  # for aliases
    lookup: dict[str, int] = field(default_factory=dict)  # mapping key to its index

    def add_key(self, key: Node) -> None:
        self.lookup[key.value] = len(self.keys)
        self.keys.append(key)

    def key_index(self, key: str) -> int:
        return self.lookup.get(key, -1)

    def get(self, key: str) -> Node | None:
        i = self.key_index(key)
        return self.items[i] if i >= 0 else None


def fn_name(tag: str) -> str:
    """The long-form name of a short-form tag: ``!If`` is ``Fn::If``, ``!Ref`` is ``Ref``."""
    name = tag[1:]
    return name if name in UNPREFIXED_TAGS else f"Fn::{name}"


@dataclass(frozen=True)
class Style:
    """How a file is written, so new text can be written the same way."""

    is_json: bool
    newline: str = "\n"
    bom: bool = False
    final_newline: bool = True
    indent: int | str = 2  # YAML: spaces per level; JSON: spaces or "\t"
    seq_indent: int = 0  # YAML: columns from a key to the dashes of its block sequence
    quote: str = "'"  # the quote a new YAML string that needs quoting gets
    short_form: bool = True  # YAML written with !Ref-style tags
    # YAML: the quoting habit per kind of string value, as (kind, quote) pairs: kind "" is a
    # plain string value, an intrinsic's name ("Fn::Sub", "Ref") is its argument (after the
    # short-form tag or the long-form key, or a direct item of its list); quote is "" (plain),
    # "'" or '"'. A kind the file has no such string of is absent: plain where valid.
    quotes: tuple[tuple[str, str], ...] = ()

    def quote_for(self, kind: str | None) -> str | None:
        """The file's quote for a string of ``kind`` ("" plain), None for no habit (or a key)."""
        if kind is None:
            return None
        for k, q in self.quotes:
            if k == kind:
                return q
        return None


class _Stats:
    """Counts gathered while composing, from which the Style is chosen."""

    def __init__(self) -> None:
        self.indents: Counter[int] = Counter()
        self.seq_offsets: Counter[int] = Counter()
        self.quotes: Counter[str] = Counter()
        # per kind of string value (see Style.quotes), how often each quoting is used where the
        # string could have been written plain
        self.kinds: dict[str, Counter[str]] = {}
        self.short_tags = 0
        self.long_keys = 0


_LONG_FORM_KEYS = re.compile(r"^(Ref|Condition|Fn::[A-Za-z0-9:]+)$")


def _mark_pos(mark: Any) -> tuple[int, int, int]:
    return mark.index, mark.line, mark.column


def _resolver() -> Any:
    return yaml.resolver.Resolver()


_RESOLVER = _resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR_TAG = "tag:yaml.org,2002:str"
_STANDARD_PREFIX = "tag:yaml.org,2002:"


def _scalar_value(ev: Any) -> Any:
    """The value of a scalar event as PyYAML's SafeLoader (and so cfn-lint) reads it."""
    if ev.tag and ev.tag.startswith("!") and not ev.tag.startswith("!!"):
        return ev.value
    tag = ev.tag
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(yaml.ScalarNode, ev.value, ev.implicit)
    if tag == _STR_TAG:
        return ev.value
    node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
    try:
        value = _CONSTRUCTOR.construct_object(node)
    except yaml.YAMLError as exc:
        raise TemplateError(f"bad scalar {ev.value!r}: {exc}", ev.start_mark.line + 1) from None
    if hasattr(value, "isoformat"):
        return value.isoformat()  # dates read as text, like cfn-lint reports them
    return value


def _check_tag(tag: str | None, mark: Any) -> str | None:
    """Accept CloudFormation's local tags; refuse global tags such as ``!!python/object``."""
    if tag is None or tag == "!":
        return None
    if tag.startswith(_STANDARD_PREFIX):
        suffix = tag[len(_STANDARD_PREFIX) :]
        if suffix in ("str", "int", "float", "bool", "null", "map", "seq"):
            return None
        raise TemplateError(f"unsupported YAML tag !!{suffix}", mark.line + 1, mark.column + 1)
    if tag.startswith("!") and not tag.startswith("!!"):
        return tag
    raise TemplateError(f"unsupported YAML tag {tag}", mark.line + 1, mark.column + 1)


def _flow_nesting_beyond(text: str, limit: int) -> tuple[int, int] | None:
    """Where brackets open deeper than ``limit`` (line and column from 1), or None.

    Our own check, made before libyaml reads the text, so that deep input gets this project's
    message whatever the parser's own limit and wording are (PyYAML 6.0.4 refuses flow nesting
    past 1,000 levels while scanning ahead, before any event reaches ``compose_yaml``). Quoted
    strings and comments are skipped; brackets elsewhere are counted as if they opened
    collections, which can only over-count text no real template has: ``limit`` unbalanced
    brackets in a row.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    line = 1
    line_start = 0
    i, n = 0, len(text)
    quote = ""
    while i < n:
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                if quote == "'" and text.startswith("''", i):
                    i += 2
                    continue
                quote = ""
            elif c == "\n":
                line, line_start = line + 1, i + 1
        elif c == "\n":
            line, line_start = line + 1, i + 1
        elif c in "'\"" and (i == 0 or text[i - 1] in " \t\n[{,:"):
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n"):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "[{":
            depth += 1
            if depth > limit:
                return line, i - line_start + 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def compose_yaml(text: str) -> tuple[Node, _Stats]:
    """Build the span tree of a YAML document from libyaml's events, without recursion."""
    deep = _flow_nesting_beyond(text, MAX_DEPTH)
    if deep is not None:
        raise TemplateError(f"nesting deeper than {MAX_DEPTH} levels", *deep)
    stats = _Stats()
    anchors: dict[str, Node] = {}
    stack: list[Node] = []
    root: Node | None = None
    documents = 0
    loader = yaml.CSafeLoader(text) if yaml.__with_libyaml__ else yaml.SafeLoader(text)
    try:
        while loader.check_event():
            ev = loader.get_event()
            if isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise TemplateError(
                        "several YAML documents in one file; a template is one document",
                        ev.start_mark.line + 1,
                    )
                continue
            if isinstance(ev, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                node = stack.pop()
                if node.flow:
                    node.end = ev.end_mark.index
                else:
                    node.end = _last_end(node)
                _attach(stack, node, text) if stack else None
                if not stack:
                    root = node
                continue
            start, line, col = _mark_pos(ev.start_mark)
            anchor = getattr(ev, "anchor", None)
            if isinstance(ev, yaml.AliasEvent):
                target = anchors.get(ev.anchor)
                if target is None:
                    raise TemplateError(f"unknown alias *{ev.anchor}", line + 1, col + 1)
                node = Node("alias", start, ev.end_mark.index, line, col, target=target)
            elif isinstance(ev, yaml.ScalarEvent):
                tag = _check_tag(ev.tag, ev.start_mark)
                node = Node(
                    "scalar",
                    start,
                    ev.end_mark.index,
                    line,
                    col,
                    tag=tag,
                    style=ev.style or None,
                    value=_scalar_value(ev),
                )
                if ev.style in ("'", '"'):
                    stats.quotes[ev.style] += 1
                if tag:
                    stats.short_tags += 1
                if stack and isinstance(node.value, str) and ev.style in (None, "", "'", '"'):
                    _note_quoting(stack, node, stats)
            else:
                kind = "map" if isinstance(ev, yaml.MappingStartEvent) else "seq"
                tag = _check_tag(ev.tag, ev.start_mark)
                node = Node(
                    kind, start, ev.end_mark.index, line, col, tag=tag, flow=bool(ev.flow_style)
                )
                if tag:
                    stats.short_tags += 1
                if len(stack) >= MAX_DEPTH:
                    raise TemplateError(
                        f"nesting deeper than {MAX_DEPTH} levels", line + 1, col + 1
                    )
            if anchor:
                anchors[anchor] = node
            if node.kind in ("map", "seq"):
                if stack:
                    _note_layout(stack[-1], node, stats)
                stack.append(node)
            elif stack:
                _attach(stack, node, text)
                if (
                    (
                        node.kind == "scalar"
                        and stack[-1].kind == "map"
                        and len(stack[-1].keys) > len(stack[-1].items)
                    )
                    and isinstance(node.value, str)
                    and _LONG_FORM_KEYS.match(node.value)
                ):
                    stats.long_keys += 1
            else:
                root = node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is not None:
            raise TemplateError(
                f"invalid YAML: {problem}", mark.line + 1, mark.column + 1
            ) from None
        raise TemplateError(f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if root is None:
        raise TemplateError("empty file: not a CloudFormation template")
    return root, stats


def _value_kind(stack: list[Node], node: Node) -> str | None:
    """The kind of string value (see ``Style.quotes``) a scalar about to be attached to
    ``stack[-1]`` is; None for a mapping key."""
    if node.tag:
        return fn_name(node.tag)
    parent = stack[-1]
    if parent.kind == "map":
        if len(parent.keys) == len(parent.items):
            return None  # a key
        key = parent.keys[-1].value
        return key if len(parent.keys) == 1 and _LONG_FORM_KEYS.match(key) else ""
    if parent.tag:
        return fn_name(parent.tag)
    if len(stack) > 1:
        owner = stack[-2]
        if (
            owner.kind == "map"
            and len(owner.keys) == 1
            and not owner.items
            and _LONG_FORM_KEYS.match(owner.keys[0].value)
        ):
            return str(owner.keys[0].value)
    return ""


def _note_quoting(stack: list[Node], node: Node, stats: _Stats) -> None:
    """Count the quoting of a string value where it could have been written plain."""
    kind = _value_kind(stack, node)
    if kind is None:
        return
    style = node.style or ""
    if style and not _could_be_plain(node.value, stack[-1].flow):
        return
    counts = stats.kinds.get(kind)
    if counts is None:
        counts = stats.kinds[kind] = Counter()
    counts[style] += 1


def _could_be_plain(text: str, flow: bool) -> bool:
    from fixers.render import plain_ok  # the writer's own test (render imports this module)

    return plain_ok(text, flow)


def _habits(stats: _Stats) -> tuple[tuple[str, str], ...]:
    """Each kind's most used quoting; a tie goes to plain, then to single quotes."""
    order = {"": 0, "'": 1, '"': 2}
    return tuple(
        (kind, max(counts, key=lambda q: (counts[q], -order[q])))
        for kind, counts in sorted(stats.kinds.items())
    )


def _note_layout(parent: Node, child: Node, stats: _Stats) -> None:
    """Record the indentation a block collection has relative to the key that owns it."""
    if child.flow or parent.flow or parent.kind != "map" or not parent.keys:
        return
    key = parent.keys[-1]
    if child.line == key.line:
        return
    if child.kind == "map":
        stats.indents[child.col - key.col] += 1
    else:
        stats.seq_offsets[child.col - key.col] += 1


def _attach(stack: list[Node], node: Node, text: str) -> None:
    parent = stack[-1]
    if parent.kind == "seq":
        parent.items.append(node)
        return
    if len(parent.keys) == len(parent.items):
        if node.kind != "scalar":
            raise TemplateError("a mapping key must be a plain value", node.line + 1, node.col + 1)
        key = str(node.value) if node.value is not None else ""
        node.value = key
        if key in parent.lookup:
            raise TemplateError(f"duplicate key {key!r}", node.line + 1, node.col + 1)
        parent.add_key(node)
    else:
        parent.items.append(node)


def _last_end(node: Node) -> int:
    """Where a block collection's text ends: the end of its last leaf."""
    while node.kind in ("map", "seq") and not node.flow and node.items:
        node = node.items[-1]
    return node.end


_JSON_WS = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


class _LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def locate(self, index: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.starts, index) - 1
        return line, index - self.starts[line]


def compose_json(text: str) -> Node:
    """Build the span tree of a JSON document; values equal what ``json.loads`` gives."""
    lines = _LineIndex(text)
    n = len(text)

    def err(message: str, at: int) -> TemplateError:
        line, col = lines.locate(min(at, n))
        return TemplateError(f"invalid JSON: {message}", line + 1, col + 1)

    def skip(i: int) -> int:
        i = _JSON_WS.match(text, i).end()  # type: ignore[union-attr]
        if i < n and text[i] == "/" and i + 1 < n and text[i + 1] in "/*":
            raise err("comments are not allowed in JSON", i)
        return i

    def new(kind: str, i: int, **kw: Any) -> Node:
        line, col = lines.locate(i)
        return Node(kind, i, i, line, col, flow=True, **kw)

    def scalar(i: int) -> Node:
        c = text[i] if i < n else ""
        if c == '"':
            try:
                value, end = scanstring(text, i + 1)
            except json.JSONDecodeError as exc:
                raise err(exc.msg, exc.pos) from None
            node = new("scalar", i, style='"', value=value)
            node.end = end
            return node
        m = _JSON_NUMBER.match(text, i)
        if m and m.end() > i:
            token = m.group()
            node = new("scalar", i, value=json.loads(token))
            node.end = m.end()
            return node
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                node = new("scalar", i, value=value)
                node.end = i + len(word)
                return node
        if i >= n:
            raise err("unexpected end of file", i)
        raise err(f"unexpected character {c!r}", i)

    _json_key = _make_json_key(text, lines, skip, err)
    stack: list[Node] = []
    root: Node | None = None
    i = skip(0)
    if i >= n:
        raise TemplateError("empty file: not a CloudFormation template")
    expect_value = True
    while True:
        if expect_value:
            c = text[i] if i < n else ""
            if c in "{[":
                node = new("map" if c == "{" else "seq", i)
                if len(stack) >= MAX_DEPTH:
                    raise err(f"nesting deeper than {MAX_DEPTH} levels", i)
                stack.append(node)
                i = skip(i + 1)
                closer = "}" if c == "{" else "]"
                if i < n and text[i] == closer:
                    node.end = i + 1
                    stack.pop()
                    if stack:
                        stack[-1].items.append(node)
                    else:
                        root = node
                    i = skip(i + 1)
                    expect_value = False
                    if not stack:
                        break
                    continue
                if c == "{":
                    i = _json_key(stack[-1], i)
                continue
            node = scalar(i)
            i = skip(node.end)
            if not stack:
                root = node
                break
            stack[-1].items.append(node)
            expect_value = False
            continue
        top = stack[-1]
        c = text[i] if i < n else ""
        if c == ",":
            i = skip(i + 1)
            if i < n and text[i] in "}]":
                raise err("trailing comma", i)
            if top.kind == "map":
                i = _json_key(top, i)
            expect_value = True
            continue
        closer = "}" if top.kind == "map" else "]"
        if c != closer:
            if i >= n:
                raise err("unexpected end of file", i)
            raise err(f"expected ',' or {closer!r}", i)
        top.end = i + 1
        stack.pop()
        i = skip(i + 1)
        if not stack:
            root = top
            break
        stack[-1].items.append(top)
    if i < n:
        raise err("extra data after the end of the document", i)
    assert root is not None
    return root


def _make_json_key(text: str, lines: _LineIndex, skip: Any, err: Any) -> Any:
    def key(mapping: Node, i: int) -> int:
        if i >= len(text) or text[i] != '"':
            raise err("expected a string key", i)
        try:
            value, end = scanstring(text, i + 1)
        except json.JSONDecodeError as exc:
            raise err(exc.msg, exc.pos) from None
        line, col = lines.locate(i)
        if mapping.key_index(value) >= 0:
            raise TemplateError(f"duplicate key {value!r}", line + 1, col + 1)
        mapping.add_key(Node("scalar", i, end, line, col, flow=True, style='"', value=value))
        j = skip(end)
        if j >= len(text) or text[j] != ":":
            raise err("expected ':'", j)
        return skip(j + 1)

    return key


def detect_style(text: str, stats: _Stats | None, is_json: bool, bom: bool) -> Style:
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"
    final_newline = text.endswith("\n")
    if is_json:
        indent: int | str = 2
        m = re.search(r"[{\[][ \t]*\r?\n([ \t]+)\S", text)
        if m:
            ws = m.group(1)
            indent = "\t" if ws.startswith("\t") else len(ws)
        return Style(True, newline, bom, final_newline, indent, 0, '"', False)
    assert stats is not None
    indent = stats.indents.most_common(1)[0][0] if stats.indents else 2
    if not isinstance(indent, int) or indent < 1:
        indent = 2
    seq_indent = stats.seq_offsets.most_common(1)[0][0] if stats.seq_offsets else indent
    quote = "'" if stats.quotes["'"] >= stats.quotes['"'] else '"'
    short = stats.short_tags >= stats.long_keys
    return Style(
        False, newline, bom, final_newline, indent, seq_indent, quote, short, _habits(stats)
    )


def to_data(node: Node, budget: list[int] | None = None) -> Any:
    """The plain value of a node, with short-form tags in their long form (as cfn-lint reads it)."""
    if budget is None:
        budget = [MAX_ALIAS_EXPANSION]
    return _to_data(node, budget, False)


def _to_data(node: Node, budget: list[int], in_alias: bool) -> Any:
    if node.kind == "alias":
        assert node.target is not None
        return _to_data(node.target, budget, True)
    if in_alias:
        budget[0] -= 1
        if budget[0] < 0:
            raise TemplateError(
                f"YAML aliases expand past {MAX_ALIAS_EXPANSION} nodes (an alias bomb?)",
                node.line + 1,
            )
    if node.kind == "scalar":
        value: Any = node.value
    elif node.kind == "map":
        value = {
            k.value: _to_data(v, budget, in_alias)
            for k, v in zip(node.keys, node.items, strict=False)
        }
    else:
        value = [_to_data(item, budget, in_alias) for item in node.items]
    if node.tag:
        name = fn_name(node.tag)
        if name == "Fn::GetAtt" and isinstance(value, str):
            resource, _, attribute = value.partition(".")
            value = [resource, attribute]
        return {name: value}
    return value


class Template:
    """A template as read: its text, span tree, plain data and style."""

    def __init__(self, text: str, *, bom: bool = False, path: str = "<template>") -> None:
        self.path = path
        self.text = text
        self.bom = bom
        stripped = text.lstrip(" \t\r\n")
        self.is_json = stripped.startswith(("{", "["))
        if not stripped:
            raise TemplateError("empty file: not a CloudFormation template")
        if "\x00" in text:
            raise TemplateError("binary file: not a CloudFormation template")
        stats: _Stats | None = None
        if self.is_json:
            self.root = compose_json(text)
        else:
            if re.search(r"(?m)^\t+\S", text):
                line = text[: re.search(r"(?m)^\t+\S", text).start()].count("\n") + 1  # type: ignore[union-attr]
                raise TemplateError("tabs used for indentation; YAML allows only spaces", line)
            self.root, stats = compose_yaml(text)
        if self.root.kind != "map":
            what = {"seq": "a list", "scalar": "a single value", "alias": "an alias"}[
                self.root.kind
            ]
            raise TemplateError(
                f"top level is {what}, not a mapping: not a CloudFormation template", 1
            )
        self.data: dict[str, Any] = to_data(self.root)
        if "Resources" not in self.data:
            raise TemplateError("no Resources section: not a CloudFormation template", 1)
        if not isinstance(self.data["Resources"], dict):
            node = self.root.get("Resources")
            kind = "empty" if self.data["Resources"] is None else "not a mapping"
            raise TemplateError(f"Resources is {kind}", node.line + 1 if node else 1)
        self.style = detect_style(text, stats, self.is_json, bom)

    def line_of(self, path: tuple[Any, ...] | list[Any]) -> tuple[int, int]:
        """1-based line and column of the deepest node on the path that exists."""
        node = self.root
        for step in _prefixes(self.root, path):
            node = step
        return node.line + 1, node.col + 1


@dataclass
class Located:
    """A node found by path, and whether its tag was consumed by the path's last step."""

    node: Node
    tag_consumed: bool
    parent: Node | None
    key: Any  # the last path step


class PathError(KeyError):
    pass


def locate(root: Node, path: tuple[Any, ...] | list[Any]) -> Located:
    node = root
    consumed = False
    parent: Node | None = None
    key: Any = None
    for step in path:
        if node.kind == "alias":
            raise PathError(f"{_fmt(path)} goes through a YAML alias")
        if node.tag and not consumed:
            if step != fn_name(node.tag):
                raise PathError(f"{_fmt(path)}: no {step!r} in {node.tag}")
            consumed = True
            parent, key = node, step
            continue
        if node.kind == "map" and isinstance(step, str):
            i = node.key_index(step)
            if i < 0:
                raise PathError(f"{_fmt(path)}: no key {step!r}")
            parent, key, node = node, step, node.items[i]
        elif node.kind == "seq" and isinstance(step, int):
            if not -len(node.items) <= step < len(node.items):
                raise PathError(f"{_fmt(path)}: no item {step}")
            parent, key, node = node, step, node.items[step]
        else:
            raise PathError(f"{_fmt(path)}: cannot step into {node.kind} with {step!r}")
        consumed = False
    return Located(node, consumed, parent, key)


def _prefixes(root: Node, path: tuple[Any, ...] | list[Any]) -> Iterator[Node]:
    for n in range(1, len(path) + 1):
        try:
            yield locate(root, path[:n]).node
        except PathError:
            return


def _fmt(path: tuple[Any, ...] | list[Any]) -> str:
    return "/".join(str(p) for p in path)
