"""Render new template values as text in a file's own style (YAML block or flow, or JSON).

Values are plain data with intrinsics in long form (``{"Fn::If": [...]}``); in YAML that uses
short-form tags they come out as ``!If [...]``. A string that YAML 1.1 (CloudFormation, cfn-lint)
or YAML 1.2 (ruamel) would read as anything but a string is quoted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from fixers.template import Style

INTRINSICS = {
    "Ref",
    "Condition",
    "Fn::And",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::Equals",
    "Fn::FindInMap",
    "Fn::GetAtt",
    "Fn::GetAZs",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Not",
    "Fn::Or",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::Length",
    "Fn::ToJsonString",
}

_RESOLVER = yaml.resolver.Resolver()
_YAML12_NON_STR = re.compile(
    r"""^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+
    |[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    |true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$""",
    re.VERBOSE,
)
_PLAIN_FIRST_FORBIDDEN = set("-?:,[]{}#&*!|>'\"%@`")
FLOW_WIDTH = 100


def intrinsic(value: Any) -> str | None:
    """The function name if ``value`` is an intrinsic function call, else None."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if key in INTRINSICS:
            return key
    return None


def plain_ok(text: str, flow: bool = False) -> bool:
    """Whether a string can be written unquoted and still read back as the same string."""
    if not text or text != text.strip() or any(c in text for c in "\n\r\t"):
        return False
    if text[0] in _PLAIN_FIRST_FORBIDDEN:
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(c in text for c in ",[]{}"):
        return False
    if _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != "tag:yaml.org,2002:str":
        return False
    if _YAML12_NON_STR.match(text):
        return False
    return text.isprintable()


def quote(text: str, style: Style, flow: bool = False, char: str | None = None) -> str:
    """``text`` quoted with ``char`` (default: the file's quote); single quotes only hold
    printable one-line text, anything else is double-quoted."""
    if (char or style.quote) == "'" and text.isprintable() and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def scalar_text(value: Any, style: Style, flow: bool = False, kind: str | None = None) -> str:
    """A scalar's text; a string of ``kind`` (see ``Style.quotes``: "" a plain string value, an
    intrinsic's name its argument, None a key) follows the file's quoting habit for that kind."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    habit = style.quote_for(kind)
    if habit:
        return quote(text, style, flow, habit)
    return text if plain_ok(text, flow) else quote(text, style, flow)


def _is_block_string(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.rstrip("\n") and _literal_ok(value)


def _literal_ok(text: str) -> bool:
    """A literal block scalar can hold the text exactly (no trailing spaces, tabs or CRs)."""
    return all(line == line.rstrip(" \t\r") for line in text.split("\n")) and "\t" not in text


@dataclass
class Source:
    """The text an existing node has in the file, to write it again where an edit moves it.

    ``inline``: its one-line text (a scalar with its quotes, a flow collection, a tagged one),
    or None; ``flow_ok``: that text may stand inside a flow collection. ``lines``: a block
    collection's lines (the first from the node's start, the rest as in the file, with their
    indentation) whose structure sits at column ``col``; re-indented as a whole."""

    value: Any
    inline: str | None = None
    flow_ok: bool = False
    lines: list[str] | None = None
    col: int = 0

    def block_at(self, col: int) -> list[str] | None:
        """The block lines with the first one's content at ``col`` (its padding left to the
        caller), or None if a line is indented too little to move left that far."""
        assert self.lines is not None
        shift = col - self.col
        out = [self.lines[0]]
        for line in self.lines[1:]:
            if not line.strip(" "):
                out.append("")
            elif shift >= 0:
                out.append(" " * shift + line)
            elif line[:-shift].strip(" "):
                return None
            else:
                out.append(line[-shift:])
        return out


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types, mapping keys in the same order (``1 == True`` is not)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class YamlRenderer:
    """Renders values as YAML lines at a given column in a file's style.

    With ``sources`` (``reusing``), a part of the value equal to a node the file has is written
    with that node's own text (a moved node keeps its flow style, quotes and comments)."""

    def __init__(self, style: Style) -> None:
        self.style = style
        self.step = style.indent if isinstance(style.indent, int) else 2
        self.sources: list[Source] = []
        self.reused = False

    def _source(self, value: Any) -> Source | None:
        if not self.sources or value is None or isinstance(value, bool):
            return None
        for source in self.sources:
            if same(source.value, value):
                return source
        return None

    def _tag_scalar(self, tag: str, name: str, arg: Any, flow: bool) -> str:
        """A short-form tag and its one-line scalar argument."""
        if isinstance(arg, str) and "\n" in arg:
            return f"{tag} {json.dumps(arg, ensure_ascii=False)}"
        return f"{tag} {scalar_text(arg, self.style, flow, name)}"

    def inline(self, value: Any, flow: bool = False, kind: str = "") -> str | None:
        """A one-line rendering, or None when the value needs block form. ``kind``: what a
        string value is (see ``Style.quotes``); a list's scalar items are of that kind too."""
        source = self._source(value)
        if source is not None and source.inline is not None and (source.flow_ok or not flow):
            self.reused = True
            return source.inline
        name = intrinsic(value)
        if name and self.style.short_form:
            arg = value[name]
            tag = "!" + (name.removeprefix("Fn::"))
            if (
                name == "Fn::GetAtt"
                and isinstance(arg, list)
                and len(arg) == 2
                and all(isinstance(a, str) for a in arg)
                and "." not in arg[0]
            ):
                dotted = f"{arg[0]}.{arg[1]}"
                if self.style.quote_for(name):
                    return self._tag_scalar(tag, name, dotted, flow)
                return f"{tag} {dotted}"
            if _is_block_string(arg) and not flow:
                return None  # written as a tagged literal block by the block renderers
            if isinstance(arg, (str, int, float, bool)) or arg is None:
                return self._tag_scalar(tag, name, arg, flow)
            inner = self.inline(arg, True, name) if isinstance(arg, list) else None
            if inner is not None:
                return f"{tag} {inner}"
            return None
        if isinstance(value, dict):
            if not value:
                return "{}"
            if not flow:
                return None
            parts = []
            for k, v in value.items():
                rendered = self.inline(v, True, k if name else "")
                if rendered is None:
                    return None
                parts.append(f"{scalar_text(k, self.style, True)}: {rendered}")
            text = "{" + ", ".join(parts) + "}"
            return text if len(text) <= FLOW_WIDTH else None
        if isinstance(value, list):
            if not value:
                return "[]"
            if not flow:
                return None
            parts = []
            for item in value:
                if isinstance(item, (dict, list)) and not intrinsic(item):
                    source = self._source(item)
                    if source is None or source.inline is None or not source.flow_ok:
                        return None
                rendered = self.inline(item, True, kind if not isinstance(item, list) else "")
                if rendered is None:
                    return None
                parts.append(rendered)
            text = "[" + ", ".join(parts) + "]"
            return text if len(text) <= FLOW_WIDTH else None
        if isinstance(value, str) and "\n" in value:
            if flow or not _literal_ok(value):
                return json.dumps(value, ensure_ascii=False)
            return None
        return scalar_text(value, self.style, flow, kind)

    def _moved_block(self, value: Any, col: int) -> list[str] | None:
        """A moved block collection's own lines, its first line's content at ``col`` (padding
        left to the caller), or None."""
        source = self._source(value)
        if source is None or source.lines is None:
            return None
        lines = source.block_at(col)
        if lines is not None:
            self.reused = True
        return lines

    def after_key(self, value: Any, key_col: int, kind: str = "") -> list[str]:
        """What follows ``key:``: the rest of the key's line, then the lines below it."""
        text = self.inline(value, kind=kind)
        if text is not None:
            return [" " + text]
        if _is_block_string(value):
            header, body = self.literal(value, key_col + self.step)
            return [" " + header] + body
        name = intrinsic(value) if self.style.short_form else None
        if name:
            tag = "!" + (name.removeprefix("Fn::"))
            arg = value[name]
            if _is_block_string(arg):
                header, body = self.literal(arg, key_col + self.step)
                return [f" {tag} {header}"] + body
            child_col = key_col + (self.seq_offset() if isinstance(arg, list) else self.step)
            return [" " + tag] + self.block(arg, child_col, name)
        col = key_col + (self.seq_offset() if isinstance(value, list) else self.step)
        moved = self._moved_block(value, col)
        if moved is not None:
            return ["", " " * col + moved[0]] + moved[1:]
        return [""] + self.block(value, col)

    def seq_offset(self) -> int:
        return self.style.seq_indent

    def literal(self, text: str, col: int) -> tuple[str, list[str]]:
        chomp = "-" if not text.endswith("\n") else ("+" if text.endswith("\n\n") else "")
        body = text.removesuffix("\n")
        if chomp == "+":
            body = text.rstrip("\n") + "\n" * (len(text) - len(text.rstrip("\n")) - 1)
        lines = body.split("\n")
        indicator = str(self.step) if lines and lines[0].startswith(" ") else ""
        pad = " " * col
        return "|" + indicator + chomp, [pad + line if line else "" for line in lines]

    def block(self, value: Any, col: int, kind: str = "") -> list[str]:
        """Lines of a block node whose content starts at ``col``; ``kind`` as in ``inline``."""
        pad = " " * col
        moved = self._moved_block(value, col)
        if moved is not None:
            return [pad + moved[0]] + moved[1:]
        name = intrinsic(value)
        if isinstance(value, dict) and value and not (name and self.style.short_form):
            lines: list[str] = []
            for k, v in value.items():
                rest = self.after_key(v, col, k if name else "")
                lines.append(f"{pad}{scalar_text(k, self.style)}:{rest[0]}")
                lines.extend(rest[1:])
            return lines
        if isinstance(value, list) and value:
            lines = []
            for item in value:
                item_lines = self.item(item, col + 2, kind if not isinstance(item, list) else "")
                lines.append(pad + "- " + item_lines[0].lstrip(" "))
                lines.extend(item_lines[1:])
            return lines
        text = self.inline(value, kind=kind)
        if text is not None:
            return [pad + text]
        if _is_block_string(value):
            header, body = self.literal(value, col + self.step)
            return [pad + header] + body
        assert name
        tag = "!" + (name.removeprefix("Fn::"))
        arg = value[name]
        if _is_block_string(arg):
            header, body = self.literal(arg, col + self.step)
            return [f"{pad}{tag} {header}"] + body
        return [pad + tag] + self.block(
            arg, col + (self.seq_offset() if isinstance(arg, list) else self.step), name
        )

    def item(self, value: Any, col: int, kind: str = "") -> list[str]:
        """Lines of a sequence item whose content starts at ``col`` (after ``- ``)."""
        text = self.inline(value, kind=kind)
        if text is not None:
            return [" " * col + text]
        if _is_block_string(value):
            header, body = self.literal(value, col)
            return [" " * col + header] + body
        name = intrinsic(value) if self.style.short_form else None
        if name:
            tag = "!" + (name.removeprefix("Fn::"))
            arg = value[name]
            if _is_block_string(arg):
                header, body = self.literal(arg, col + self.step)
                return [f"{' ' * col}{tag} {header}"] + body
            return [" " * col + tag] + self.block(
                arg, col + (self.seq_offset() if isinstance(arg, list) else self.step), name
            )
        return self.block(value, col)


def json_text(value: Any, style: Style, base_indent: str, compact: bool = False) -> str:
    """JSON for a value whose first line continues a line indented by ``base_indent``."""
    if compact:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    indent = style.indent
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return text.replace("\n", "\n" + base_indent)
