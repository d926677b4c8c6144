"""The renderer (fixers/render.py) on its own: each case asserts the exact text and that a YAML
1.1 reader, PyYAML's safe loader with a tag-agnostic constructor for CloudFormation's short
tags (as cfn-lint reads templates), reads it back as the value rendered.

A case the renderer gets wrong has its correct text and is marked ``xfail(strict=True)``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import yaml

from fixers.render import (
    FLOW_WIDTH,
    YamlRenderer,
    intrinsic,
    json_text,
    plain_ok,
    scalar_text,
)
from fixers.template import Style

# -- the reader --------------------------------------------------------------------------------


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """Any ``!Tag`` as its long form, like cfn-lint: ``!GetAtt A.B`` is ``Fn::GetAtt: [A, B]``."""
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if name == "Fn::GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {name: value}


class _PyLoader(yaml.SafeLoader):
    pass


_PyLoader.add_multi_constructor("!", _tagged)
LOADERS: list[type] = [_PyLoader]
if hasattr(yaml, "CSafeLoader"):  # libyaml, what cfn-lint uses when it is there

    class _CLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        pass

    _CLoader.add_multi_constructor("!", _tagged)
    LOADERS.append(_CLoader)


def load(text: str) -> Any:
    """The text read by each YAML 1.1 loader; they must agree."""
    values = [yaml.load(text, Loader=loader) for loader in LOADERS]
    for other in values[1:]:
        assert other == values[0]
    return values[0]


PLAIN = Style(is_json=False)  # 2 spaces, dashes at the key's column, '…' quotes, short tags
DOUBLE = Style(is_json=False, quote='"')
LONG = Style(is_json=False, short_form=False)
SEQ2 = Style(is_json=False, seq_indent=2)
FOUR = Style(is_json=False, indent=4, seq_indent=4)


def after_key(value: Any, style: Style = PLAIN) -> str:
    """``v:`` and what the renderer writes after it, as a document."""
    return "v:" + "\n".join(YamlRenderer(style).after_key(value, 0)) + "\n"


def as_item(value: Any, style: Style = PLAIN) -> str:
    """The value as the item of a sequence at column 0, as a document."""
    lines = YamlRenderer(style).item(value, 2)
    return "- " + "\n".join(lines)[2:] + "\n"


# -- strings: what YAML 1.1 (or 1.2) would read as something else is quoted ----------------------

STRINGS = [
    # YAML 1.1 booleans and their look-alikes
    ("yes", "'yes'"),
    ("no", "'no'"),
    ("on", "'on'"),
    ("off", "'off'"),
    ("Yes", "'Yes'"),
    ("OFF", "'OFF'"),
    ("true", "'true'"),
    ("True", "'True'"),
    ("TRUE", "'TRUE'"),
    ("false", "'false'"),
    # `y` and `n` are in the YAML 1.1 spec's bool type, but PyYAML, libyaml-backed cfn-lint
    # and SnakeYAML read them as strings: they are left plain.
    ("y", "y"),
    ("n", "n"),
    ("Y", "Y"),
    ("N", "N"),
    # nulls
    ("NULL", "'NULL'"),
    ("null", "'null'"),
    ("Null", "'Null'"),
    ("~", "'~'"),
    ("", "''"),
    # numbers: octal, sexagesimal, hexadecimal, binary, floats, YAML 1.2 forms
    ("0755", "'0755'"),
    ("0o755", "'0o755'"),
    ("12:30", "'12:30'"),
    ("1:20:30", "'1:20:30'"),
    ("1", "'1'"),
    ("+1", "'+1'"),
    ("-1", "'-1'"),
    ("1_000", "'1_000'"),
    ("1.0", "'1.0'"),
    ("1.", "'1.'"),
    ("1e3", "'1e3'"),
    (".5", "'.5'"),
    ("0x1F", "'0x1F'"),
    ("0b101", "'0b101'"),
    (".inf", "'.inf'"),
    ("-.inf", "'-.inf'"),
    (".NaN", "'.NaN'"),
    # dates (YAML 1.1 timestamps), merge and value keys
    ("2010-09-09", "'2010-09-09'"),
    ("2001-12-14t21:59:43.10-05:00", "'2001-12-14t21:59:43.10-05:00'"),
    ("<<", "'<<'"),
    ("=", "'='"),
    # indicators
    ("a: b", "'a: b'"),
    ("a:", "'a:'"),
    ("a #b", "'a #b'"),
    ("a#b", "a#b"),
    ("#a", "'#a'"),
    ("-a", "'-a'"),
    ("- a", "'- a'"),
    ("-", "'-'"),
    ("*a", "'*a'"),
    ("&a", "'&a'"),
    ("!a", "'!a'"),
    ("%a", "'%a'"),
    ("@a", "'@a'"),
    ("`a", "'`a'"),
    ("?a", "'?a'"),
    ("|a", "'|a'"),
    (">a", "'>a'"),
    ("[a]", "'[a]'"),
    ("{a}", "'{a}'"),
    ("'a", "'''a'"),
    ('"a', "'\"a'"),
    ("a'b", "a'b"),
    ('a"b', 'a"b'),
    ("a,b", "a,b"),
    ("\\a", "\\a"),
    # spaces, line breaks, tabs, control characters
    (" a", "' a'"),
    ("a ", "'a '"),
    ("a\tb", '"a\\tb"'),
    ("a\nb", '"a\\nb"'),
    ("a\x07b", '"a\\u0007b"'),
    # unicode
    ("café", "café"),
    ("日本語", "日本語"),
    ("a\u200bb", '"a\u200bb"'),
    # what CloudFormation templates are made of
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/*"),
    ("${AWS::StackName}-logs", "${AWS::StackName}-logs"),
    ("10.0.0.0/16", "10.0.0.0/16"),
    ("https://example.com/a?b=c", "https://example.com/a?b=c"),
]


@pytest.mark.parametrize(("value", "text"), STRINGS, ids=[repr(v) for v, _ in STRINGS])
def test_string(value: str, text: str) -> None:
    assert scalar_text(value, PLAIN) == text
    assert load(f"v: {text}\n") == {"v": value}
    assert load(f"{text}: v\n") == {value: "v"}  # the same text as a key
    assert plain_ok(value) == (text == value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("yes", '"yes"'),
        ("0755", '"0755"'),
        ("", '""'),
        ("'a", '"\'a"'),
        ('"a', '"\\"a"'),
        ("a: b", '"a: b"'),
        ("plain", "plain"),
    ],
)
def test_string_in_a_file_that_quotes_with_double_quotes(value: str, text: str) -> None:
    assert scalar_text(value, DOUBLE) == text
    assert load(f"v: {text}\n") == {"v": value}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("a,b", "'a,b'"),
        ("a]", "'a]'"),
        ("a}", "'a}'"),
        ("a[0]", "'a[0]'"),
        ("${AWS::StackName}-x", "'${AWS::StackName}-x'"),
        ("plain", "plain"),
    ],
)
def test_string_inside_flow_collections(value: str, text: str) -> None:
    assert scalar_text(value, PLAIN, flow=True) == text
    assert load(f"v: [{text}, {{k: {text}}}]\n") == {"v": [value, {"k": value}]}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("a\x85b", '"a\\u0085b"'),  # NEL: YAML 1.1 reads a raw one as a line break ("a b")
        ("a\x9bb", '"a\\u009bb"'),  # C1 control: YAML readers refuse it raw
        ("a\u2028b", '"a\\u2028b"'),  # line separator: a raw one breaks a key over two lines
    ],
)
@pytest.mark.xfail(
    strict=True,
    reason="json.dumps(ensure_ascii=False) leaves C1 controls and U+2028/U+2029 raw in the "
    "double-quoted string: YAML 1.1 folds a raw NEL (U+0085) into a space, refuses other C1 "
    "characters and takes U+2028 for a line break (a key holding one cannot be read)",
)
def test_string_holding_a_yaml_line_break_or_c1_control_character(value: str, text: str) -> None:
    rendered = scalar_text(value, PLAIN)
    assert load(f"v: {rendered}\n") == {"v": value}
    assert load(f"{rendered}: v\n") == {value: "v"}
    assert rendered == text


# -- the file's quoting habit, per kind of string value ----------------------------------------

SUB_SINGLE = Style(is_json=False, quotes=(("Fn::Sub", "'"),))
SUB_DOUBLE = Style(is_json=False, quote='"', quotes=(("Fn::Sub", '"'),))
ALL_SINGLE = Style(is_json=False, quotes=(("", "'"), ("Fn::Sub", "'"), ("Ref", "")))
SUB_PLAIN_STRINGS_DOUBLE = Style(is_json=False, quotes=(("", '"'), ("Fn::Sub", "")))
LONG_SUB_SINGLE = Style(is_json=False, short_form=False, quotes=(("Fn::Sub", "'"),))


@pytest.mark.parametrize(
    ("value", "style", "text"),
    [
        ({"Fn::Sub": "${AWS::StackName}-logs"}, SUB_SINGLE, "v: !Sub '${AWS::StackName}-logs'\n"),
        ({"Fn::Sub": "it's ${A}"}, SUB_SINGLE, "v: !Sub 'it''s ${A}'\n"),
        ({"Fn::Sub": "${AWS::StackName}-logs"}, SUB_DOUBLE, 'v: !Sub "${AWS::StackName}-logs"\n'),
        # a string that is not a !Sub keeps the plain habit, and a !Sub's multi-line one its block
        ("plain", SUB_SINGLE, "v: plain\n"),
        ({"Ref": "Bucket"}, SUB_SINGLE, "v: !Ref Bucket\n"),
        ({"Fn::Sub": "a\n${B}\n"}, SUB_SINGLE, "v: !Sub |\n  a\n  ${B}\n"),
        # the list form: its string is the !Sub's, the variables' values are plain strings
        (
            {"Fn::Sub": ["${A}-x", {"A": "b"}]},
            SUB_SINGLE,
            "v: !Sub\n- '${A}-x'\n- A: b\n",
        ),
        (
            {"Fn::Sub": ["${A}-x", {"A": "b"}]},
            ALL_SINGLE,
            "v: !Sub\n- '${A}-x'\n- A: 'b'\n",
        ),
        # plain strings quoted, !Sub strings plain: each kind its own habit; keys never quoted
        (
            {"Key": "a", "Sub": {"Fn::Sub": "${A}"}},
            SUB_PLAIN_STRINGS_DOUBLE,
            'v:\n  Key: "a"\n  Sub: !Sub ${A}\n',
        ),
        (["a", {"Ref": "B"}], ALL_SINGLE, "v:\n- 'a'\n- !Ref B\n"),
        # the long form: the string after the Fn::Sub key
        ({"Fn::Sub": "${A}-x"}, LONG_SUB_SINGLE, "v:\n  Fn::Sub: '${A}-x'\n"),
        # numbers and booleans are not strings: never quoted
        ({"Days": 35, "On": True}, ALL_SINGLE, "v:\n  Days: 35\n  'On': true\n"),
    ],
)
def test_new_strings_follow_the_quoting_habit_of_their_kind(
    value: Any, style: Style, text: str
) -> None:
    assert after_key(value, style) == text
    assert load(text) == {"v": value}


def test_quoting_habit_is_detected_per_kind_where_a_string_could_be_plain() -> None:
    from fixers.template import Template

    text = (
        "Resources:\n"
        "  Bucket:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Properties:\n"
        "      BucketName: !Sub '${AWS::StackName}-a'\n"
        "      Tags:\n"
        "        - Key: 'yes'\n"  # quoted because it must be: not counted
        "          Value: !Sub ['${A}-b', {A: !Ref AWS::Region}]\n"
        "        - Key: Name\n"
        "          Value:\n"
        '            Fn::Sub: "${AWS::StackName}"\n'
        "      Password: !Sub '{{resolve:ssm:/p}}'\n"  # must be quoted: not counted
    )
    style = Template(text).style
    assert style.quote_for("Fn::Sub") == "'"  # two single, one double
    assert style.quote_for("") == ""  # Type, Key: Name (Key: 'yes' had to be quoted)
    assert style.quote_for("Ref") == ""
    assert style.quote_for("Fn::GetAtt") is None  # none in the file: plain where valid
    assert style.quote_for(None) is None  # keys


# -- numbers, booleans, null -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (-3, "-3"),
        (10**20, "100000000000000000000"),
        (1.5, "1.5"),
        (0.5, "0.5"),
        (-2.25, "-2.25"),
        (100.0, "100.0"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
    ],
)
def test_non_string_scalar(value: Any, text: str) -> None:
    assert scalar_text(value, PLAIN) == text
    back = load(f"v: {text}\n")["v"]
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1e20, "1.0e+20"), (1e-07, "1.0e-07"), (math.inf, ".inf"), (-math.inf, "-.inf")],
)
@pytest.mark.xfail(
    strict=True,
    reason="floats are written with json.dumps: '1e+20' and 'Infinity' are strings to YAML 1.1, "
    "whose floats need a '.' (1.0e+20) and spell infinity .inf",
)
def test_float_yaml_11_reads_as_a_float_only_in_its_own_spelling(value: float, text: str) -> None:
    assert load(f"v: {scalar_text(value, PLAIN)}\n") == {"v": value}
    assert scalar_text(value, PLAIN) == text


# -- multi-line strings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("line one\nline two\n", "v: |\n  line one\n  line two\n"),
        ("line one\nline two", "v: |-\n  line one\n  line two\n"),
        ("line one\nline two\n\n", "v: |+\n  line one\n  line two\n\n"),
        ("line one\n\nline three\n", "v: |\n  line one\n\n  line three\n"),
        ("  indented\nline\n", "v: |2\n    indented\n  line\n"),
        ("#!/bin/bash\necho 'yes: no'\n", "v: |\n  #!/bin/bash\n  echo 'yes: no'\n"),
        # what a literal block cannot hold exactly is double-quoted on one line
        ("trailing \nspace\n", 'v: "trailing \\nspace\\n"\n'),
        ("a\tb\nc\n", 'v: "a\\tb\\nc\\n"\n'),
    ],
)
def test_multi_line_string(value: str, text: str) -> None:
    assert after_key(value) == text
    assert load(text) == {"v": value}


def test_multi_line_string_in_flow_context_is_double_quoted() -> None:
    text = YamlRenderer(PLAIN).inline("line one\nline two\n", flow=True)
    assert text == '"line one\\nline two\\n"'
    assert load(f"v: [{text}]\n") == {"v": ["line one\nline two\n"]}


def test_multi_line_string_as_a_sequence_item() -> None:
    value = "line one\nline two\n"
    text = as_item(value)
    assert text == "- |\n  line one\n  line two\n"
    assert load(text) == [value]


@pytest.mark.parametrize("value", ["one line\n", "one line\n\n"])
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="a one-line string ending in line breaks is neither inline nor a block string to the "
    "renderer: YamlRenderer.block() fails its `assert name`",
)
def test_one_line_string_ending_in_a_line_break(value: str) -> None:
    text = after_key(value)
    assert load(text) == {"v": value}
    assert text in (
        f"v: {json.dumps(value)}\n",
        "v: "
        + ("|+" if value.endswith("\n\n") else "|")
        + "\n  one line\n"
        + "\n" * (value.count("\n") - 1),
    )


@pytest.mark.xfail(
    strict=True,
    reason="the indentation indicator of a literal block in a sequence item is the style's "
    "indent step, not the content's column from the dashes: `- |4` over content at column 2",
)
def test_multi_line_string_with_leading_spaces_as_an_item_in_a_four_space_file() -> None:
    value = "  indented\nline\n"
    text = as_item(value, FOUR)
    assert load(text) == [value]
    assert text == "- |2\n    indented\n  line\n"


@pytest.mark.xfail(
    strict=True,
    reason="a tagged literal block in a sequence item (`- !Sub |2`) puts its content one step "
    "deeper than its indicator says: the value silently gains two leading spaces",
)
def test_tagged_multi_line_string_with_leading_spaces_as_an_item() -> None:
    value = {"Fn::Sub": "  indented\n${AWS::Region}\n"}
    text = as_item(value)
    assert load(text) == [value]
    assert text == "- !Sub |4\n      indented\n    ${AWS::Region}\n"


# -- collections -------------------------------------------------------------------------------

NESTED = {
    "Status": "Enabled",
    "Rules": [{"Id": "expire", "Days": 30, "Enabled": True}, {"Id": "no", "Prefix": "0755"}],
    "Tags": ["a", "yes"],
    "Empty": {},
    "None": [],
}


@pytest.mark.parametrize(
    ("style", "text"),
    [
        (
            PLAIN,
            "v:\n"
            "  Status: Enabled\n"
            "  Rules:\n"
            "  - Id: expire\n"
            "    Days: 30\n"
            "    Enabled: true\n"
            "  - Id: 'no'\n"
            "    Prefix: '0755'\n"
            "  Tags:\n"
            "  - a\n"
            "  - 'yes'\n"
            "  Empty: {}\n"
            "  None: []\n",
        ),
        (
            SEQ2,
            "v:\n"
            "  Status: Enabled\n"
            "  Rules:\n"
            "    - Id: expire\n"
            "      Days: 30\n"
            "      Enabled: true\n"
            "    - Id: 'no'\n"
            "      Prefix: '0755'\n"
            "  Tags:\n"
            "    - a\n"
            "    - 'yes'\n"
            "  Empty: {}\n"
            "  None: []\n",
        ),
        (
            FOUR,
            "v:\n"
            "    Status: Enabled\n"
            "    Rules:\n"
            "        - Id: expire\n"
            "          Days: 30\n"
            "          Enabled: true\n"
            "        - Id: 'no'\n"
            "          Prefix: '0755'\n"
            "    Tags:\n"
            "        - a\n"
            "        - 'yes'\n"
            "    Empty: {}\n"
            "    None: []\n",
        ),
    ],
    ids=["2-spaces", "2-spaces-indented-dashes", "4-spaces"],
)
def test_nested_mapping_in_the_files_indentation(style: Style, text: str) -> None:
    assert after_key(NESTED, style) == text
    assert load(text) == {"v": NESTED}


def test_mapping_with_keys_that_need_quoting() -> None:
    value = {"yes": 1, "a: b": 2, "0755": "x"}
    text = after_key(value)
    assert text == "v:\n  'yes': 1\n  'a: b': 2\n  '0755': x\n"
    assert load(text) == {"v": value}


def test_list_of_lists() -> None:
    value = [["a", "b"], [], ["on"]]
    text = after_key(value)
    assert text == "v:\n- - a\n  - b\n- []\n- - 'on'\n"
    assert load(text) == {"v": value}


def test_mapping_as_a_sequence_item() -> None:
    value = {"Key": "Name", "Value": "true"}
    text = as_item(value)
    assert text == "- Key: Name\n  Value: 'true'\n"
    assert load(text) == [value]


def test_flow_rendering() -> None:
    renderer = YamlRenderer(PLAIN)
    value = {"Key": "yes", "Values": ["a,b", 1, None]}
    text = renderer.inline(value, flow=True)
    assert text == "{Key: 'yes', Values: ['a,b', 1, null]}"
    assert load(f"v: {text}\n") == {"v": value}
    assert renderer.inline(value) is None  # a mapping is written in block style outside flow


def test_flow_rendering_gives_up_past_the_line_width() -> None:
    value = [f"item-{i:02d}" for i in range(20)]
    assert len(", ".join(value)) > FLOW_WIDTH
    assert YamlRenderer(PLAIN).inline(value, flow=True) is None
    assert YamlRenderer(PLAIN).inline(value[:3], flow=True) == "[item-00, item-01, item-02]"


# -- intrinsic functions -----------------------------------------------------------------------

SHORT_FORM = [
    ("ref", {"Ref": "Bucket"}, "v: !Ref Bucket\n"),
    ("condition", {"Condition": "IsProduction"}, "v: !Condition IsProduction\n"),
    ("sub", {"Fn::Sub": "${AWS::StackName}-logs"}, "v: !Sub ${AWS::StackName}-logs\n"),
    ("sub quoted", {"Fn::Sub": "yes"}, "v: !Sub 'yes'\n"),
    ("sub list", {"Fn::Sub": ["${A}-x", {"A": {"Ref": "P"}}]}, "v: !Sub\n- ${A}-x\n- A: !Ref P\n"),
    (
        "sub block",
        {"Fn::Sub": "#!/bin/bash\necho ${AWS::Region}\n"},
        "v: !Sub |\n  #!/bin/bash\n  echo ${AWS::Region}\n",
    ),
    ("getatt", {"Fn::GetAtt": ["Bucket", "Arn"]}, "v: !GetAtt Bucket.Arn\n"),
    (
        "getatt nested attribute",
        {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
        "v: !GetAtt Db.Endpoint.Address\n",
    ),
    # a resource name with a dot cannot be written X.Y: the list form keeps it exact
    ("getatt dotted name", {"Fn::GetAtt": ["My.Res", "Arn"]}, "v: !GetAtt [My.Res, Arn]\n"),
    ("if", {"Fn::If": ["IsProduction", 7, 1]}, "v: !If [IsProduction, 7, 1]\n"),
    (
        "if novalue",
        {"Fn::If": ["IsProduction", {"Ref": "AWS::NoValue"}, "off"]},
        "v: !If [IsProduction, !Ref AWS::NoValue, 'off']\n",
    ),
    (
        "if with mapping branch",
        {"Fn::If": ["IsProduction", {"Days": 30}, {"Ref": "AWS::NoValue"}]},
        "v: !If\n- IsProduction\n- Days: 30\n- !Ref AWS::NoValue\n",
    ),
    (
        "if with block sub",
        {"Fn::If": ["C", {"Fn::Sub": "a\nb\n"}, "x"]},
        'v: !If [C, !Sub "a\\nb\\n", x]\n',
    ),
    (
        "join",
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b"]]},
        "v: !Join\n- ''\n- - 'arn:'\n  - !Ref AWS::Partition\n  - ':s3:::b'\n",
    ),
    ("select getazs", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}, "v: !Select [0, !GetAZs '']\n"),
    ("equals", {"Fn::Equals": [{"Ref": "Env"}, "true"]}, "v: !Equals [!Ref Env, 'true']\n"),
    ("not an intrinsic", {"Ref": "X", "Other": 1}, "v:\n  Ref: X\n  Other: 1\n"),
]


@pytest.mark.parametrize(
    ("value", "text"), [c[1:] for c in SHORT_FORM], ids=[c[0] for c in SHORT_FORM]
)
def test_intrinsic_in_short_form(value: Any, text: str) -> None:
    assert after_key(value) == text
    assert load(text) == {"v": value}


def test_intrinsic_with_indented_dashes() -> None:
    value = {"Fn::If": ["IsProduction", {"Days": 30}, {"Ref": "AWS::NoValue"}]}
    text = after_key(value, SEQ2)
    assert text == "v: !If\n  - IsProduction\n  - Days: 30\n  - !Ref AWS::NoValue\n"
    assert load(text) == {"v": value}


def test_intrinsic_as_a_sequence_item() -> None:
    value = {"Fn::If": ["C", {"A": 1}, "x"]}
    text = as_item(value)
    assert text == "- !If\n  - C\n  - A: 1\n  - x\n"
    assert load(text) == [value]


def test_tagged_literal_block_as_a_sequence_item() -> None:
    value = [{"Fn::Sub": "a\nb\n"}]
    text = after_key(value)
    assert text == "v:\n- !Sub |\n    a\n    b\n"
    assert load(text) == {"v": value}


LONG_FORM = [
    ("ref", {"Ref": "Bucket"}, "v:\n  Ref: Bucket\n"),
    ("getatt", {"Fn::GetAtt": ["Bucket", "Arn"]}, "v:\n  Fn::GetAtt:\n  - Bucket\n  - Arn\n"),
    (
        "if",
        {"Fn::If": ["IsProduction", {"Ref": "AWS::NoValue"}, "x"]},
        "v:\n  Fn::If:\n  - IsProduction\n  - Ref: AWS::NoValue\n  - x\n",
    ),
    ("sub block", {"Fn::Sub": "a\n${B}\n"}, "v:\n  Fn::Sub: |\n    a\n    ${B}\n"),
    (
        "base64 sub block",
        {"Fn::Base64": {"Fn::Sub": "line1\nline2\n"}},
        "v:\n  Fn::Base64:\n    Fn::Sub: |\n      line1\n      line2\n",
    ),
]


@pytest.mark.parametrize(
    ("value", "text"), [c[1:] for c in LONG_FORM], ids=[c[0] for c in LONG_FORM]
)
def test_intrinsic_in_long_form(value: Any, text: str) -> None:
    assert after_key(value, LONG) == text
    assert load(text) == {"v": value}


def test_long_form_flow() -> None:
    value = {"Fn::If": ["IsProduction", {"Ref": "AWS::NoValue"}, "x"]}
    text = YamlRenderer(LONG).inline(value, flow=True)
    assert text == "{Fn::If: [IsProduction, {Ref: AWS::NoValue}, x]}"
    assert load(f"v: {text}\n") == {"v": value}


@pytest.mark.xfail(
    strict=True,
    reason="a short-form tag whose argument is another intrinsic in block form is written "
    "`!Base64` above `!Sub |`: two tags on one node, which YAML cannot read",
)
def test_short_form_intrinsic_around_a_block_intrinsic() -> None:
    value = {"Fn::Base64": {"Fn::Sub": "#!/bin/bash\necho ${AWS::Region}\n"}}
    text = after_key(value)
    assert load(text) == {"v": value}
    assert text in (
        "v: !Base64\n  Fn::Sub: |\n    #!/bin/bash\n    echo ${AWS::Region}\n",
        "v:\n  Fn::Base64: !Sub |\n    #!/bin/bash\n    echo ${AWS::Region}\n",
    )


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="a short-form tag whose argument is an intrinsic too long for one line: "
    "YamlRenderer.block() fails its `assert name` on the inner call",
)
def test_short_form_intrinsic_around_a_long_intrinsic() -> None:
    parts = ["#!/bin/bash\n", "echo ", {"Ref": "AWS::Region"}, "\n", "x" * FLOW_WIDTH]
    value = {"Fn::Base64": {"Fn::Join": ["", parts]}}
    text = after_key(value)
    assert load(text) == {"v": value}


def test_intrinsic_detection() -> None:
    assert intrinsic({"Ref": "X"}) == "Ref"
    assert intrinsic({"Fn::If": ["C", 1, 2]}) == "Fn::If"
    assert intrinsic({"Fn::ToJsonString": {}}) == "Fn::ToJsonString"
    assert intrinsic({"Ref": "X", "Other": 1}) is None
    assert intrinsic({"Fn::Unknown": 1}) is None
    assert intrinsic(["Ref"]) is None
    assert intrinsic("Ref") is None


# -- JSON ----------------------------------------------------------------------------------------

JSON_VALUE = {"Tags": [{"Key": "a", "Value": "café"}], "Enabled": True, "Days": 30, "Note": None}


@pytest.mark.parametrize(
    ("indent", "base", "text"),
    [
        (
            2,
            "    ",
            '{\n      "Tags": [\n        {\n          "Key": "a",\n          "Value": "café"\n'
            '        }\n      ],\n      "Enabled": true,\n      "Days": 30,\n      "Note": null\n'
            "    }",
        ),
        (
            4,
            "",
            '{\n    "Tags": [\n        {\n            "Key": "a",\n            "Value": "café"\n'
            '        }\n    ],\n    "Enabled": true,\n    "Days": 30,\n    "Note": null\n}',
        ),
        (
            "\t",
            "\t",
            '{\n\t\t"Tags": [\n\t\t\t{\n\t\t\t\t"Key": "a",\n\t\t\t\t"Value": "café"\n'
            '\t\t\t}\n\t\t],\n\t\t"Enabled": true,\n\t\t"Days": 30,\n\t\t"Note": null\n\t}',
        ),
    ],
    ids=["2-spaces", "4-spaces", "tabs"],
)
def test_json_in_the_files_indentation(indent: int | str, base: str, text: str) -> None:
    style = Style(is_json=True, indent=indent, quote='"', short_form=False)
    assert json_text(JSON_VALUE, style, base) == text
    assert json.loads(text) == JSON_VALUE


def test_json_compact() -> None:
    style = Style(is_json=True, quote='"', short_form=False)
    text = json_text(JSON_VALUE, style, "      ", compact=True)
    assert text == (
        '{"Tags": [{"Key": "a", "Value": "café"}], "Enabled": true, "Days": 30, "Note": null}'
    )
    assert json.loads(text) == JSON_VALUE


@pytest.mark.parametrize(
    ("value", "text"),
    [("yes", '"yes"'), ("0755", '"0755"'), ("a\nb", '"a\\nb"'), ("日本", '"日本"'), (1.5, "1.5")],
)
def test_json_scalars(value: Any, text: str) -> None:
    style = Style(is_json=True, quote='"', short_form=False)
    assert json_text(value, style, "") == text
    assert json.loads(text) == value
