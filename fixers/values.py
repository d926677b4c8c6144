"""The values a template's expressions can take: one intrinsic-aware vocabulary for the rules.

Rules ask what a property *is*, and a template rarely says it plainly: ``!Ref Param`` means the
parameter's default (or any of its ``AllowedValues``), ``!If [Cond, a, b]`` means ``a`` or
``b`` depending on a condition, ``!FindInMap`` one of a mapping's entries, ``!Sub`` a string
built from variables, ``!ImportValue`` something another stack holds. Every rule reads values
through the questions here, so that each of them reads ``Fn::If`` inside a ``Fn::Sub`` variable
map, a mapping keyed by a parameter, or a parameter with a default the same way.

The central question is :func:`options`: every value an expression can take, each with the
conditions under which it does and where it came from. An option whose value cannot be known
from the template (an import, a resource attribute, a parameter without a default) holds an
:class:`Unknown` that says why, so a rule can name what it could not see rather than guess.
``Ref AWS::NoValue`` is :data:`ABSENT`: the property is not there in that branch.

The data is the plain form cfn-lint and fixers.template produce (``Fn::`` long names).
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fixers import cfn

_MAX_OPTIONS = 64
"""Beyond this many options an expression is treated as unknown (a combinatorial Sub or
Join of many conditional parts): rules need a few cases, not an enumeration."""


class _Absent:
    """``Ref AWS::NoValue``: the property is absent in this branch."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"  # the module's one instance, also across processes


ABSENT = _Absent()


@dataclass(frozen=True)
class Unknown:
    """A value the template does not show: ``why`` names what could not be seen (an import, a
    parameter without a default, an attribute of a resource). ``pattern`` is the text of a
    ``Fn::Sub`` or ``Fn::Join`` with what is unknown left as ``${Name}`` when the rest is
    literal, so a rule can still read its literal parts."""

    why: str
    pattern: str | None = None
    ref: str | None = None
    """The resource a ``Ref``/``Fn::GetAtt`` names, when the value is one."""


@dataclass(frozen=True)
class Option:
    """One value an expression can take, under ``when`` (condition name -> truth), from
    ``source`` (``literal``, ``default of parameter X``, ``allowed value of parameter X``,
    ``mapping M``)."""

    value: Any
    when: frozenset[tuple[str, bool]] = field(default=frozenset())
    source: str = "literal"

    @property
    def known(self) -> bool:
        return not isinstance(self.value, Unknown)

    @property
    def absent(self) -> bool:
        return self.value is ABSENT


def _consistent(when: frozenset[tuple[str, bool]], data: dict[str, Any] | None = None) -> bool:
    """Whether the conditions can hold together: no condition both true and false, and, given
    the template, some values of its parameters make each one what ``when`` says (conditions
    defined through one another, ``IsNotX: !Not [Condition: IsX]``, are not independent)."""
    names = [name for name, _ in when]
    if len(names) != len(set(names)):
        return False
    if data is None or len(when) < 2:
        return True
    return satisfiable(data, when)


_OTHER = object()
"""A parameter value other than every literal the conditions compare it with."""
_MAX_ASSIGNMENTS = 512


def satisfiable(
    data: dict[str, Any],
    when: Iterable[tuple[str, bool]],
    given: dict[str, Any] | None = None,
) -> bool:
    """Whether some values of the template's parameters (their allowed values, else their
    default, the literals the conditions compare them with, or any other value) make every
    condition of ``when`` true or false as it says. ``given`` pins parameters to one value
    (can a branch hold when parameter P is X?). What cannot be decided (pseudo parameters,
    imports, too many parameters) counts as possible."""
    wanted = dict(when)
    conditions = cfn.section(data, "Conditions")
    if any(name not in conditions for name in wanted):
        return True
    params: dict[str, set[Any]] = {}
    seen: set[str] = set()
    stack = list(wanted)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for _, node in cfn.walk(conditions.get(name)):
            if isinstance(node, dict) and len(node) == 1:
                ((fn, arg),) = node.items()
                if fn == "Condition" and isinstance(arg, str):
                    stack.append(arg)
                elif fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                    for side, other in ((arg[0], arg[1]), (arg[1], arg[0])):
                        ref = side.get("Ref") if isinstance(side, dict) else None
                        if isinstance(ref, str) and _param(data, ref) is not None:
                            params.setdefault(ref, set())
                            if (t := _text(other)) is not None:
                                params[ref].add(t)
    candidates: dict[str, list[Any]] = {}
    for name, compared in params.items():
        if given and name in given:
            candidates[name] = [_text(given[name])]
            continue
        param = _param(data, name) or {}
        allowed = param.get("AllowedValues")
        if isinstance(allowed, list) and allowed:
            candidates[name] = [_text(v) for v in allowed]
        else:
            found = set(compared)
            if (t := _text(param.get("Default"))) is not None:
                found.add(t)
            candidates[name] = [*sorted(found), _OTHER]
    total = 1
    for values_ in candidates.values():
        total *= len(values_)
    if total > _MAX_ASSIGNMENTS:
        return True
    names = list(candidates)
    for combo in itertools.product(*(candidates[n] for n in names)):
        assignment = dict(zip(names, combo, strict=True))
        if all(
            _condition(conditions, name, assignment, set()) in (truth, None)
            for name, truth in wanted.items()
        ):
            return True
    return False


def _condition(
    conditions: dict[str, Any], name: str, assignment: dict[str, Any], active: set[str]
) -> bool | None:
    if name in active or name not in conditions:
        return None
    return _truth(conditions, conditions[name], assignment, active | {name})


def _truth(
    conditions: dict[str, Any], expr: Any, assignment: dict[str, Any], active: set[str]
) -> bool | None:
    """A condition expression's truth under ``assignment``; None where it cannot be decided."""
    if isinstance(expr, bool):
        return expr
    if not (isinstance(expr, dict) and len(expr) == 1):
        return None
    ((fn, arg),) = expr.items()
    if fn == "Condition" and isinstance(arg, str):
        return _condition(conditions, arg, assignment, active)
    if fn == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
        inner = _truth(conditions, arg[0], assignment, active)
        return None if inner is None else not inner
    if fn in ("Fn::And", "Fn::Or") and isinstance(arg, list):
        parts = [_truth(conditions, a, assignment, active) for a in arg]
        if fn == "Fn::And":
            return False if False in parts else (None if None in parts else True)
        return True if True in parts else (None if None in parts else False)
    if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
        sides = [_side(a, assignment) for a in arg]
        if any(side is None for side in sides):
            return None
        if sides[0] is _OTHER and sides[1] is _OTHER:
            return None
        return sides[0] == sides[1]
    return None


def _side(value: Any, assignment: dict[str, Any]) -> Any:
    if isinstance(value, dict) and isinstance(value.get("Ref"), str) and len(value) == 1:
        return assignment.get(value["Ref"])
    return _text(value)


def _param(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    p = cfn.section(data, "Parameters").get(name)
    return p if isinstance(p, dict) else None


def options(
    data: dict[str, Any],
    expr: Any,
    when: frozenset[tuple[str, bool]] = frozenset(),
    *,
    defaults_only: bool = False,
) -> list[Option]:
    """Every value ``expr`` can take in this template, each with its conditions and source.

    A parameter gives its ``AllowedValues`` (each one) or its ``Default`` (when the parameter
    has no allowed list; ``defaults_only`` gives only the default even when it has one), else
    an Unknown. Lists and mappings are returned as they are, with their items unresolved
    (see :func:`items` for list-valued expressions)."""
    found = _options(data, expr, when, defaults_only, 0)
    if len(found) > _MAX_OPTIONS:
        return [Option(Unknown("too many possible values"), when)]
    return found


def _options(
    data: dict[str, Any],
    expr: Any,
    when: frozenset[tuple[str, bool]],
    defaults_only: bool,
    depth: int,
) -> list[Option]:
    if depth > 20:
        return [Option(Unknown("nested too deeply"), when)]
    if not isinstance(expr, dict) or len(expr) != 1:
        return [Option(expr, when)]
    ((fn, arg),) = expr.items()
    if fn == "Ref" and isinstance(arg, str):
        return _ref(data, arg, when, defaults_only)
    if fn == "Fn::GetAtt":
        target = cfn.ref_target(expr)
        return [Option(Unknown(f"an attribute of {target}", ref=target), when)]
    if fn == "Fn::ImportValue":
        return [Option(Unknown("a value another stack exports"), when)]
    if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
        out = []
        for truth, branch in ((True, arg[1]), (False, arg[2])):
            branch_when = when | {(arg[0], truth)}
            if _consistent(branch_when, data):
                out.extend(_options(data, branch, branch_when, defaults_only, depth + 1))
        return out
    if fn == "Fn::FindInMap" and isinstance(arg, list) and len(arg) >= 3:
        return _find_in_map(data, arg, when, defaults_only, depth)
    if fn == "Fn::Sub":
        return _sub(data, arg, when, defaults_only, depth)
    if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        return _join(data, arg, when, defaults_only, depth)
    if fn == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
        out = []
        for index in _options(data, arg[0], when, defaults_only, depth + 1):
            for seq in _items_options(data, arg[1], index.when, defaults_only, depth + 1):
                i = as_int(index.value)
                if i is not None and isinstance(seq.value, list) and 0 <= i < len(seq.value):
                    out.extend(_options(data, seq.value[i], seq.when, defaults_only, depth + 1))
                else:
                    out.append(Option(Unknown("a selected item"), seq.when))
        return out
    if fn == "Fn::Base64":
        return _options(data, arg, when, defaults_only, depth + 1)
    if fn in ("Fn::GetAZs", "Fn::Cidr", "Fn::Split", "Fn::Transform", "Fn::ToJsonString"):
        return [Option(Unknown(f"the result of {fn}"), when)]
    return [Option(expr, when)]


def _ref(
    data: dict[str, Any], name: str, when: frozenset[tuple[str, bool]], defaults_only: bool
) -> list[Option]:
    if name == "AWS::NoValue":
        return [Option(ABSENT, when)]
    if name.startswith(cfn.PSEUDO_PREFIX):
        return [Option(Unknown(f"the pseudo parameter {name}"), when)]
    param = _param(data, name)
    if param is None:
        if name in cfn.resources(data):
            return [Option(Unknown(f"the resource {name}", ref=name), when)]
        return [Option(Unknown(f"{name}, which the template does not define"), when)]
    allowed = param.get("AllowedValues")
    if isinstance(allowed, list) and allowed and not defaults_only:
        return [Option(v, when, f"allowed value of parameter {name}") for v in allowed]
    if "Default" in param:
        default = param["Default"]
        if str(param.get("Type", "")).startswith(("List<", "CommaDelimitedList")) and isinstance(
            default, str
        ):
            default = [s.strip() for s in default.split(",")] if default else []
        return [Option(default, when, f"default of parameter {name}")]
    return [Option(Unknown(f"parameter {name}, which has no default"), when)]


def _keys(
    data: dict[str, Any],
    key: Any,
    table: dict[str, Any],
    when: frozenset[tuple[str, bool]],
    defaults_only: bool,
    depth: int,
) -> list[tuple[str, frozenset[tuple[str, bool]]]]:
    """The keys of ``table`` a FindInMap key expression can select."""
    if isinstance(key, dict) and key.get("Ref") in ("AWS::Region", "AWS::AccountId"):
        return [(k, when) for k in table]
    out = []
    for opt in _options(data, key, when, defaults_only, depth + 1):
        if not opt.known:
            return [(k, when) for k in table]
        if str(opt.value) in table:
            out.append((str(opt.value), opt.when))
    return out


def _find_in_map(
    data: dict[str, Any],
    arg: list[Any],
    when: frozenset[tuple[str, bool]],
    defaults_only: bool,
    depth: int,
) -> list[Option]:
    name = arg[0]
    mapping = cfn.section(data, "Mappings").get(name) if isinstance(name, str) else None
    if not isinstance(mapping, dict):
        return [Option(Unknown(f"mapping {name!r}, which the template does not define"), when)]
    out = []
    for top, top_when in _keys(data, arg[1], mapping, when, defaults_only, depth):
        second = mapping.get(top)
        if not isinstance(second, dict):
            continue
        for key, key_when in _keys(data, arg[2], second, top_when, defaults_only, depth):
            out.append(Option(second[key], key_when, f"mapping {name}"))
    if not out and len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
        return _options(data, arg[3]["DefaultValue"], when, defaults_only, depth + 1)
    return out or [Option(Unknown(f"an entry of mapping {name}"), when)]


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _combine(
    parts: list[list[Option]],
    when: frozenset[tuple[str, bool]],
    data: dict[str, Any] | None = None,
) -> Iterator[tuple[list[Option], frozenset[tuple[str, bool]]]]:
    count = 1
    for p in parts:
        count *= max(len(p), 1)
    if count > _MAX_OPTIONS:
        yield [Option(Unknown("too many possible values"))], when
        return
    for combo in itertools.product(*parts):
        combined = when.union(*(o.when for o in combo))
        if _consistent(combined, data):
            yield list(combo), combined


def sub_parts(arg: Any) -> tuple[str, dict[str, Any]] | None:
    """The string and variable map of a ``Fn::Sub`` argument (either form), else None."""
    if isinstance(arg, str):
        return arg, {}
    if isinstance(arg, list) and arg and isinstance(arg[0], str):
        variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
        return arg[0], variables
    return None


def _sub(
    data: dict[str, Any],
    arg: Any,
    when: frozenset[tuple[str, bool]],
    defaults_only: bool,
    depth: int,
) -> list[Option]:
    parsed = sub_parts(arg)
    if parsed is None:
        return [Option(Unknown("a malformed Fn::Sub"), when)]
    text, variables = parsed
    names = sorted(set(cfn.SUB_VARIABLE.findall(text)))
    parts: list[list[Option]] = []
    for name in names:
        if name in variables:
            parts.append(_options(data, variables[name], when, defaults_only, depth + 1))
        elif "." in name:  # ${Resource.Attribute}
            parts.append([Option(Unknown(f"an attribute of {name.split('.')[0]}"), when)])
        else:
            parts.append(_ref(data, name, when, defaults_only))
    out = []
    for combo, combined in _combine(parts, when, data):
        result, pattern, unknown = text, text, None
        for name, opt in zip(names, combo, strict=False):
            piece = _text(opt.value)
            if piece is None:
                unknown = opt.value if isinstance(opt.value, Unknown) else Unknown("a non-text")
                continue
            result = result.replace("${" + name + "}", piece)
            pattern = pattern.replace("${" + name + "}", piece)
        result = result.replace("${!", "${")
        pattern = pattern.replace("${!", "${")
        if unknown is None:
            out.append(Option(result, combined))
        else:
            out.append(Option(Unknown(unknown.why, pattern=pattern), combined))
    return out


def _join(
    data: dict[str, Any],
    arg: list[Any],
    when: frozenset[tuple[str, bool]],
    defaults_only: bool,
    depth: int,
) -> list[Option]:
    delimiter = arg[0] if isinstance(arg[0], str) else ""
    out = []
    for seq in _items_options(data, arg[1], when, defaults_only, depth + 1):
        if not isinstance(seq.value, list):
            out.append(Option(Unknown("a joined list"), seq.when))
            continue
        parts = [_options(data, item, seq.when, defaults_only, depth + 1) for item in seq.value]
        for combo, combined in _combine(parts, seq.when, data):
            texts = [_text(o.value) for o in combo]
            if all(t is not None for t in texts):
                out.append(Option(delimiter.join(t or "" for t in texts), combined))
            else:  # what is unknown stays a placeholder: ${Name} for a Ref, else ${?}
                pattern = delimiter.join(
                    t if t is not None else _placeholder(item)
                    for t, item in zip(texts, seq.value, strict=False)
                )
                why = next(
                    (o.value.why for o in combo if isinstance(o.value, Unknown)), "a non-text"
                )
                out.append(Option(Unknown(why, pattern=pattern), combined))
    return out


def _placeholder(item: Any) -> str:
    if isinstance(item, dict) and isinstance(item.get("Ref"), str) and len(item) == 1:
        return "${" + item["Ref"] + "}"
    return "${?}"


def _items_options(
    data: dict[str, Any],
    expr: Any,
    when: frozenset[tuple[str, bool]],
    defaults_only: bool,
    depth: int,
) -> list[Option]:
    if isinstance(expr, list):
        return [Option(expr, when)]
    if isinstance(expr, dict) and len(expr) == 1 and "Fn::Split" in expr:
        arg = expr["Fn::Split"]
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            out = []
            for o in _options(data, arg[1], when, defaults_only, depth + 1):
                if isinstance(o.value, str):
                    out.append(Option(o.value.split(arg[0]), o.when, o.source))
                else:
                    out.append(Option(Unknown("a split string"), o.when))
            return out
    return _options(data, expr, when, defaults_only, depth)


def branches(
    expr: Any,
    when: frozenset[tuple[str, bool]] = frozenset(),
    data: dict[str, Any] | None = None,
    *,
    absent: bool = False,
) -> list[tuple[tuple[Any, ...], Any, frozenset[tuple[str, bool]]]]:
    """The values ``expr`` is written as through nested ``Fn::If`` only (no parameter or
    mapping resolved), each with the path from ``expr`` to it (``("Fn::If", 1)``, ...) and its
    conditions: a rule that edits what it reads edits it in its branch. ``Ref AWS::NoValue``
    branches are left out (given as :data:`ABSENT` with ``absent``: a rule that reports or
    fills the branch where a property is unset); given ``data``, branches whose conditions
    cannot hold together are too."""
    if isinstance(expr, dict) and len(expr) == 1 and "Fn::If" in expr:
        arg = expr["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
            out = []
            for index, truth in ((1, True), (2, False)):
                branch_when = when | {(arg[0], truth)}
                if _consistent(branch_when, data):
                    for path, value, w in branches(arg[index], branch_when, data, absent=absent):
                        out.append((("Fn::If", index, *path), value, w))
            return out
    if expr == {"Ref": "AWS::NoValue"}:
        return [((), ABSENT, when)] if absent else []
    return [((), expr, when)]


def items(data: dict[str, Any], expr: Any) -> list[Option]:
    """The lists a list-valued expression can be (a literal list, a ``CommaDelimitedList``
    parameter, an ``Fn::If`` of lists, ``Fn::Split``), each item left as written."""
    return _items_options(data, expr, frozenset(), False, 0)


# -- shortcuts ------------------------------------------------------------------------------


def literal(data: dict[str, Any], expr: Any, *, defaults_only: bool = True) -> Any:
    """The one value ``expr`` has in every case (a literal, a parameter's default, a mapping
    entry every key agrees on), else None. Defaults count: a template that does not override
    its parameters deploys them."""
    found = options(data, expr, defaults_only=defaults_only)
    values = [o.value for o in found]
    if not values or any(isinstance(v, Unknown) or v is ABSENT for v in values):
        return None
    first = values[0]
    return first if all(v == first for v in values[1:]) else None


def empty(value: Any) -> bool:
    """Whether an option's value leaves its property unset: ``AWS::NoValue`` (:data:`ABSENT`),
    nothing, or an empty string (``SnapshotIdentifier: ''`` restores from nothing)."""
    return value is ABSENT or value is None or value == ""


def consistent(when: Iterable[tuple[str, bool]], data: dict[str, Any] | None = None) -> bool:
    """Whether conditions can hold together (no condition both true and false; given the
    template, some parameter values make each what it says): two options' ``when`` combined."""
    return _consistent(frozenset(when), data)


def when_text(when: Iterable[tuple[str, bool]]) -> str:
    """The conditions of an option in words, for a message: ``when HasSnapshot is false``
    (``''`` when the option holds unconditionally)."""
    parts = [f"{name} is {'true' if truth else 'false'}" for name, truth in sorted(when)]
    return f"when {' and '.join(parts)}" if parts else ""


def as_int(value: Any) -> int | None:
    """An integer written as one (``30`` or ``'30'``), else None; booleans are not integers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        s = value.strip()
        if s.lstrip("-").isdigit():
            return int(s)
    return None


def ints(data: dict[str, Any], expr: Any) -> list[tuple[int | None, Option]]:
    """Each option of ``expr`` with its integer value (None where it is not one)."""
    return [(as_int(o.value), o) for o in options(data, expr)]


def as_bool(value: Any) -> bool | None:
    """True/False for CloudFormation's spellings of a boolean, else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def can_be(data: dict[str, Any], expr: Any, wanted: Any) -> bool:
    """Whether some option of ``expr`` equals ``wanted`` (booleans compared as booleans, other
    scalars as text)."""
    for o in options(data, expr):
        if isinstance(wanted, bool):
            if as_bool(o.value) is wanted:
                return True
        elif _text(o.value) is not None and _text(o.value) == _text(wanted):
            return True
    return False


def texts(data: dict[str, Any], expr: Any) -> list[str]:
    """The known text values ``expr`` can take (unknown parts left out)."""
    return [t for o in options(data, expr) if o.known and (t := _text(o.value)) is not None]


def patterns(data: dict[str, Any], expr: Any) -> list[str]:
    """The text of each option, with what the template does not show left as ``${...}``: the
    literal text a ``Fn::Sub`` or ``Fn::Join`` hard-codes can be read from it."""
    out = []
    for o in options(data, expr):
        if isinstance(o.value, Unknown):
            if o.value.pattern is not None:
                out.append(o.value.pattern)
        elif (t := _text(o.value)) is not None:
            out.append(t)
    return out


def hard_coded(data: dict[str, Any], expr: Any) -> list[str]:
    """The text of each option of ``expr`` with every parameter left as ``${Name}``: what the
    template itself writes (a literal, each entry a mapping can give, the literal parts of a
    ``Fn::Sub`` or ``Fn::Join``), parameters being the deployer's to choose. A bare parameter,
    an import or an attribute gives nothing."""
    params = cfn.section(data, "Parameters")
    masked = dict(data)
    masked["Parameters"] = {
        name: {k: v for k, v in p.items() if k not in ("Default", "AllowedValues")}
        if isinstance(p, dict)
        else p
        for name, p in params.items()
    }
    return patterns(masked, expr)


def sub_names(expr: Any) -> set[str]:
    """The names a ``Fn::Sub`` string uses (``${Name}`` and ``${Name.Attr}``, pseudo
    parameters included), not counting its own variable map's names' values."""
    if not (isinstance(expr, dict) and len(expr) == 1 and "Fn::Sub" in expr):
        return set()
    parsed = sub_parts(expr["Fn::Sub"])
    return set(cfn.SUB_VARIABLE.findall(parsed[0])) if parsed else set()


# -- networks and security groups -----------------------------------------------------------


def network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR as the network it means (host bits dropped: ``192.168.1.0/0`` is the whole IPv4
    internet), else None."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def is_anywhere(value: Any) -> bool:
    """Whether a CIDR admits every address of its family (prefix length 0)."""
    net = network(value)
    return net is not None and net.prefixlen == 0


@dataclass(frozen=True)
class Ingress:
    """One ingress rule of a security group, as the template writes it, with its ports."""

    rule: dict[str, Any]
    protocol: str
    low: int | None
    high: int | None

    def covers(self, port: Any) -> bool:
        """Whether the rule admits TCP traffic on ``port`` (a number, or an expression the
        rule's own ports repeat, such as the database's endpoint port)."""
        if self.all_traffic:
            return True
        if self.protocol not in ("tcp", "6"):
            return False
        wanted = as_int(port)
        if wanted is not None and self.low is not None and self.high is not None:
            return self.low <= wanted <= self.high
        return self.rule.get("FromPort") == port and self.rule.get("ToPort") == port

    @property
    def all_traffic(self) -> bool:
        return self.protocol in ("-1", "all")


def ingress(data: dict[str, Any], group: str) -> list[Ingress]:
    """The ingress rules a security group has: its inline ``SecurityGroupIngress`` (each
    branch of an ``Fn::If``) and standalone ``AWS::EC2::SecurityGroupIngress`` resources that
    name it."""
    res = cfn.resources(data).get(group, {})
    raw: list[dict[str, Any]] = []
    for o in items(data, cfn.props(res).get("SecurityGroupIngress")):
        for item in o.value if isinstance(o.value, list) else []:
            raw.extend(
                v.value
                for v in options(data, item)
                if isinstance(v.value, dict) and "Fn::If" not in v.value
            )
    for _, standalone in cfn.of_type(data, "AWS::EC2::SecurityGroupIngress"):
        p = cfn.props(standalone)
        if cfn.ref_target(p.get("GroupId")) == group:
            raw.append(p)
    out = []
    for rule in raw:
        protocol = str(literal(data, rule.get("IpProtocol")) or rule.get("IpProtocol")).lower()
        low = as_int(literal(data, rule.get("FromPort")))
        high = as_int(literal(data, rule.get("ToPort")))
        out.append(Ingress(rule, protocol, low, high))
    return out


def open_to_internet(data: dict[str, Any], rule: dict[str, Any]) -> bool:
    """Whether an ingress rule's CIDR (any value its parameters or conditions can give it)
    is the whole IPv4 or IPv6 internet."""
    for key in ("CidrIp", "CidrIpv6"):
        if key in rule and any(is_anywhere(t) for t in texts(data, rule[key])):
            return True
    return False


def admits(
    data: dict[str, Any],
    group: str,
    port: Any,
    *,
    sources: Iterable[Any] = (),
    any_cidr: bool = False,
    private_cidr: bool = False,
) -> bool:
    """Whether a security group admits TCP traffic on ``port`` from one of the ``sources``
    (security groups: logical IDs, or the expressions that name them), from any CIDR
    (``any_cidr``: the whole internet included), or from a CIDR that is not the whole internet
    (``private_cidr``: a VPC-wide or parameterised range is taken to cover the template's own
    subnets)."""
    names = {s for s in sources if isinstance(s, str)}
    names |= {t for s in sources if (t := cfn.ref_target(s))}
    exprs = [s for s in sources if not isinstance(s, str)]
    port = literal(data, port) if literal(data, port) is not None else port
    for rule in ingress(data, group):
        if not rule.covers(port):
            continue
        r = rule.rule
        source = r.get("SourceSecurityGroupId")
        if source is not None and (
            cfn.ref_target(source) in names
            or (isinstance(source, str) and source in names)
            or source in exprs
        ):
            return True
        has_cidr = any(k in r for k in ("CidrIp", "CidrIpv6", "SourcePrefixListId"))
        if any_cidr and has_cidr:
            return True
        if private_cidr and has_cidr and not open_to_internet(data, r):
            return True
    return False


def located_ingress(
    data: dict[str, Any],
) -> list[tuple[str | None, tuple[Any, ...], dict[str, Any]]]:
    """Every ingress rule the template writes, with the security group it belongs to (its
    logical ID; None when a standalone rule names a group the template does not define) and the
    path of the rule's own mapping: each item of an inline ``SecurityGroupIngress`` (each
    ``Fn::If`` branch of the list and of the item) and each ``AWS::EC2::SecurityGroupIngress``
    resource's ``Properties``. A rule that edits a CIDR edits it where it is written."""
    out: list[tuple[str | None, tuple[Any, ...], dict[str, Any]]] = []
    for lid, res in cfn.of_type(data, "AWS::EC2::SecurityGroup"):
        base = ("Resources", lid, "Properties", "SecurityGroupIngress")
        for list_path, seq, _ in branches(cfn.props(res).get("SecurityGroupIngress")):
            for i, item in enumerate(seq if isinstance(seq, list) else []):
                for item_path, rule, _ in branches(item):
                    if isinstance(rule, dict):
                        out.append((lid, base + list_path + (i,) + item_path, rule))
    for lid, res in cfn.of_type(data, "AWS::EC2::SecurityGroupIngress"):
        p = cfn.props(res)
        target = cfn.ref_target(p.get("GroupId"))
        out.append(
            (target if target in cfn.resources(data) else None, ("Resources", lid, "Properties"), p)
        )
    return out
