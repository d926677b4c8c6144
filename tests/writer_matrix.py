"""The writer's acceptance matrix: edits on real templates and variants, checked line by line.

For each template (and its CRLF, BOM, no-final-newline and tab-indented JSON variants) each edit
is made on its own; the new text must read back as the edited tree (self-check), stay valid JSON
for JSON files, and change no original line outside the edited node (in JSON the line before an
insertion may gain its comma). An edit that applies must change the text, and every template
variant must have at least one edit that applies: a matrix in which nothing was edited proves
nothing. ``python -m tests.writer_matrix`` prints the counts.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fixers.document import Document, EditError
from fixers.edits import add_output, wrap_if_production
from fixers.template import Node, Template, locate

Edit = Callable[[Document], "tuple[set[int], bool] | None"]
"""An edit returns the 0-based original lines it may change and whether it only inserts, or
None when the template has no place for it."""


def _walk(data: Any, path: tuple[Any, ...] = ()) -> Any:
    stack = [(path, data)]
    while stack:
        p, v = stack.pop()
        yield p, v
        if isinstance(v, dict):
            stack.extend((p + (k,), x) for k, x in reversed(list(v.items())))
        elif isinstance(v, list):
            stack.extend((p + (i,), x) for i, x in reversed(list(enumerate(v))))


def _node(doc: Document, path: tuple[Any, ...]) -> Node | None:
    try:
        loc = locate(doc.template.root, path)
    except KeyError:
        return None
    return None if loc.tag_consumed else loc.node


def _lines_of(doc: Document, node: Node) -> set[int]:
    end_line = doc.template.text.count("\n", 0, max(node.start, node.end - 1))
    return set(range(node.line, end_line + 1))


def _resources_paths(doc: Document) -> Any:
    return ((p, v) for p, v in _walk(doc.data.get("Resources"), ("Resources",)))


def _scalar_path(doc: Document) -> tuple[Any, ...] | None:
    for p, v in _resources_paths(doc):
        if len(p) > 3 and p[2] == "Properties" and isinstance(v, str) and "\n" not in v:
            node = _node(doc, p)
            if node is not None and node.kind == "scalar" and not node.tag:
                return p
    return None


def add_an_output(doc: Document) -> tuple[set[int], bool]:
    add_output(
        doc, "MeridianFixProbe", {"Value": {"Ref": "AWS::StackName"}, "Description": "probe"}
    )
    return set(), True


def add_a_property(doc: Document) -> tuple[set[int], bool] | None:
    for lid, res in (doc.data.get("Resources") or {}).items():
        if isinstance(res, dict) and isinstance(res.get("Properties"), dict) and res["Properties"]:
            if _node(doc, ("Resources", lid, "Properties")) is None:
                continue
            doc.set(("Resources", lid, "Properties", "MeridianFixProbe"), "probe")
            return set(), True
    return None


def replace_a_scalar(doc: Document) -> tuple[set[int], bool] | None:
    path = _scalar_path(doc)
    if path is None:
        return None
    node = _node(doc, path)
    assert node is not None
    lines = _lines_of(doc, node)
    doc.set(path, "meridian-fix-replaced")
    return lines, False


def wrap_in_if(doc: Document) -> tuple[set[int], bool] | None:
    path = _scalar_path(doc)
    if path is None:
        return None
    node = _node(doc, path)
    assert node is not None
    lines = _lines_of(doc, node)
    old = doc.get(path)
    wrap_if_production(doc, path, old, "non-production")
    return lines, False


def key_in_sequence_item(doc: Document) -> tuple[set[int], bool] | None:
    for p, v in _resources_paths(doc):
        if (
            p
            and isinstance(p[-1], int)
            and isinstance(v, dict)
            and v
            and "MeridianFixProbe" not in v
        ):
            node = _node(doc, p)
            if node is None or node.kind != "map" or node.tag:
                continue
            lines = _lines_of(doc, node) if node.flow and not doc.style.is_json else set()
            doc.set(p + ("MeridianFixProbe",), "probe")
            return lines, True
    return None


def _append(doc: Document, flow: bool) -> tuple[set[int], bool] | None:
    for p, v in _resources_paths(doc):
        if isinstance(v, list) and v:
            node = _node(doc, p)
            if node is None or node.kind != "seq" or node.tag or bool(node.flow) != flow:
                continue
            if flow and not doc.style.is_json and "\n" in doc.template.text[node.start : node.end]:
                continue
            lines = _lines_of(doc, node) if flow and not doc.style.is_json else set()
            doc.append(p, "meridian-fix-probe")
            return lines, True
    return None


def append_flow(doc: Document) -> tuple[set[int], bool] | None:
    return _append(doc, True)


def append_block(doc: Document) -> tuple[set[int], bool] | None:
    if doc.style.is_json:
        return None
    return _append(doc, False)


def _block_scalar(doc: Document) -> tuple[tuple[Any, ...], Node] | None:
    if doc.style.is_json:
        return None
    for p, v in _walk(doc.data):
        if isinstance(v, str) and "\n" in v and p and isinstance(p[-1], str):
            node = _node(doc, p)
            if node is not None and node.kind == "scalar" and node.style in ("|", ">"):
                parent = _node(doc, p[:-1])
                if parent is not None and parent.kind == "map" and not parent.flow:
                    return p, node
    return None


def key_after_block_scalar(doc: Document) -> tuple[set[int], bool] | None:
    found = _block_scalar(doc)
    if found is None:
        return None
    path, _ = found
    doc.set(path[:-1] + ("ZzzMeridianFixProbe",), "probe")
    return set(), True


def replace_block_scalar(doc: Document) -> tuple[set[int], bool] | None:
    found = _block_scalar(doc)
    if found is None:
        return None
    path, node = found
    lines = _lines_of(doc, node)
    doc.set(path, "line one\n  indented line\nline three\n")
    return lines, False


EDITS: dict[str, Edit] = {
    "add an output": add_an_output,
    "add a property to the first resource": add_a_property,
    "replace a scalar": replace_a_scalar,
    "wrap a value in Fn::If": wrap_in_if,
    "add a key to a mapping in a sequence item": key_in_sequence_item,
    "append to a flow sequence": append_flow,
    "append to a block sequence": append_block,
    "add a key after a block scalar": key_after_block_scalar,
    "replace a block scalar": replace_block_scalar,
}


def variants(path: Path) -> dict[str, tuple[str, bool]]:
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    out = {"as is": (text, bom)}
    if "\r\n" not in text:
        out["crlf"] = (text.replace("\n", "\r\n"), bom)
    out["bom"] = (text, True)
    if text.endswith("\n"):
        out["no final newline"] = (text.rstrip("\n"), bom)
    if path.suffix == ".json":
        out["tab-indented json"] = (_tabs(text), bom)
    return out


def _tabs(text: str) -> str:
    m = re.search(r"\n( +)\S", text)
    unit = len(m.group(1)) if m else 2
    return re.sub(rf"(?m)^((?: {{{unit}}})+)", lambda mm: "\t" * (len(mm.group(1)) // unit), text)


def check_edit(text: str, bom: bool, edit: Edit, name: str = "<t>") -> str | None:
    """None if the edit keeps the writer's properties (or does not apply); else what broke."""
    doc = Document(Template(text, bom=bom, path=name))
    try:
        allowed = edit(doc)
    except EditError as exc:
        return f"edit refused: {exc}"
    if allowed is None:
        return None
    allowed_lines, _ = allowed
    try:
        doc.self_check()
    except EditError as exc:
        return f"self-check: {exc}"
    new = doc.text
    if not doc.edits or new == text:
        return "the edit applies but changed nothing"
    if doc.style.is_json:
        try:
            if json.loads(new) != doc.data:
                return "JSON reads back differently"
        except ValueError as exc:
            return f"not valid JSON: {exc}"
    if text.endswith("\n") != new.endswith("\n"):
        return "final newline changed"
    if "\r\n" in text and re.search(r"(?<!\r)\n", new):
        return "a bare LF in a CRLF file"
    old_lines = text.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or tag == "insert":
            continue
        for i in range(i1, i2):
            if i in allowed_lines or _EMPTY_CONTAINER.match(old_lines[i]):
                continue  # the edited node itself, or an empty `{}` / `[]` that gets the entry
            if (
                doc.style.is_json
                and tag == "replace"
                and _gained_comma(old_lines[i], new_lines[j1:j2])
            ):
                continue
            if (
                i == len(old_lines) - 1
                and not text.endswith("\n")
                and old_lines[i] in "".join(new_lines[j1:j2])
            ):
                continue  # the last line gains the newline that separates it from what follows
            return f"original line {i + 1} changed: {old_lines[i]!r}"
    return None


_EMPTY_CONTAINER = re.compile(r'^\s*"?[\w:]+"?\s*:\s*(\{\s*\}|\[\s*\])\s*,?\s*$')


def _gained_comma(old: str, new: list[str]) -> bool:
    stripped = old.rstrip("\r\n")
    return any(line.rstrip("\r\n") == stripped + "," for line in new)


def run(files: list[Path]) -> tuple[dict[str, dict[str, list[int]]], list[str]]:
    """counts[edit][variant] = [passed, applicable, tried]; and the failures (a template variant
    that no edit applies to is one: the matrix must edit something to prove anything)."""
    counts: dict[str, dict[str, list[int]]] = {e: {} for e in EDITS}
    failures: list[str] = []
    if not files:
        failures.append("no templates to edit")
    for path in files:
        for variant, (text, bom) in variants(path).items():
            applied = 0
            for name, edit in EDITS.items():
                slot = counts[name].setdefault(variant, [0, 0, 0])
                slot[2] += 1
                problem = check_edit(text, bom, edit, str(path))
                probe = Document(Template(text, bom=bom, path=str(path)))
                try:
                    applies = edit(probe) is not None
                except EditError:
                    applies = True
                if not applies:
                    continue
                applied += 1
                slot[1] += 1
                if problem is None:
                    slot[0] += 1
                else:
                    failures.append(f"{path} [{variant}] {name}: {problem}")
            if not applied:
                failures.append(f"{path} [{variant}]: no edit applies")
    return counts, failures


def main() -> int:
    root = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    files = sorted(
        p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template")
    )
    counts, failures = run(files)
    print(f"{len(files)} templates")
    for name, by_variant in counts.items():
        cells = ", ".join(f"{v}: {c[0]}/{c[1]} (of {c[2]})" for v, c in by_variant.items())
        print(f"- {name}: {cells}")
    for f in failures[:50]:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
