"""Fixtures for the app tests: a small template, rules that do not depend on the growing
rulebook, a stand-in cfn-lint, and helpers that wait on workers rather than sleeping."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fixers.document import Document
from fixers.model import Fix
from fixers.rules import Rule, select_rules
from fixers.validate import LintError
from tui.app import MeridianApp, create_app

# The MF0101 rule's own fixture (copied, so that the snapshots stay put) plus a log group, so
# that the test rules below have a safe fix in two areas.
TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Network:   # the VPC
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  AppSubnetA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Network
      CidrBlock: 10.0.21.0/24   # takes the spec's first database CIDR
      AvailabilityZone: !Select [0, !GetAZs '']
  AppSubnetB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Network
      CidrBlock: 10.0.11.0/24
      AvailabilityZone: !Select [1, !GetAZs '']
  Service:
    Type: AWS::ECS::Service
    Properties:
      NetworkConfiguration:
        AwsvpcConfiguration:
          Subnets: [!Ref AppSubnetA, !Ref AppSubnetB]
  Subnets:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: db
      SubnetIds: [!Ref AppSubnetA, !Ref AppSubnetB]  # shared with the service
  Db:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      DBSubnetGroupName: !Ref Subnets
  AppLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: app
"""


class DnsHostnames(Rule):
    """A safe fix in the network area. The code is set on the instance so that the rule
    never joins the real registry (``all_rules`` registers classes with a code)."""

    spec = ("9.9",)
    title = "VPC without DNS hostnames"
    area = "network"
    kind = "hardening"
    severity = "low"
    why = "Interface endpoints need DNS hostnames."

    def __init__(self) -> None:
        self.code = "MF9901"  # type: ignore[misc]

    def detect(self, doc: Document) -> Iterator[Any]:
        for rid, res in (doc.data.get("Resources") or {}).items():
            if res.get("Type") == "AWS::EC2::VPC" and not res.get("Properties", {}).get(
                "EnableDnsHostnames"
            ):
                path = ("Resources", rid, "Properties", "EnableDnsHostnames")
                yield self.finding(
                    ("Resources", rid),
                    f"VPC {rid} has no DNS hostnames.",
                    Fix(
                        "Enable DNS hostnames",
                        action="set_value",
                        args=(path, True),
                        impact="update",
                        impact_detail="updated in place",
                    ),
                )


class LogRetention(Rule):
    spec = ("9.8",)
    title = "Log group keeps logs forever"
    area = "monitoring"
    kind = "convention"
    severity = "low"
    why = "Logs without retention cost money forever."

    def __init__(self) -> None:
        self.code = "MF9902"  # type: ignore[misc]

    def detect(self, doc: Document) -> Iterator[Any]:
        for rid, res in (doc.data.get("Resources") or {}).items():
            if res.get("Type") == "AWS::Logs::LogGroup" and "RetentionInDays" not in res.get(
                "Properties", {}
            ):
                path = ("Resources", rid, "Properties", "RetentionInDays")
                yield self.finding(
                    ("Resources", rid),
                    f"Log group {rid} has no retention.",
                    Fix(
                        "Keep logs 365 days",
                        action="set_value",
                        args=(path, 365),
                        impact="update",
                        impact_detail="updated in place",
                    ),
                )


def review_rules() -> list[Rule]:
    return select_rules(["MF0101"]) + [DnsHostnames(), LogRetention()]


class FakeValidator:
    """Stands in for cfn-lint: an error wherever ``bad`` occurs in the text; can block or fail."""

    def __init__(self, bad: str | None = None, fail: bool = False) -> None:
        self.bad = bad
        self.fail = fail
        self.calls = 0
        self.gate: threading.Event | None = None

    def lint(self, text: str, filename: str) -> list[LintError]:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail:
            raise RuntimeError("cfn-lint exploded")
        if self.bad and self.bad in text:
            line = text[: text.index(self.bad)].count("\n") + 1
            return [
                LintError(
                    "E3002",
                    f"{self.bad} is not allowed",
                    ("Resources", "AppLogs"),
                    line,
                    5,
                    "error",
                )
            ]
        return []


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture template as ``template.yaml`` in the current folder (stable in snapshots)."""
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    monkeypatch.chdir(tmp_path)
    return Path("template.yaml")


@pytest.fixture
def make_app(template: Path) -> Callable[..., MeridianApp]:
    def make(
        validator: Any = None, rules: list[Rule] | None = None, select: list[str] | None = None
    ) -> MeridianApp:
        if select is not None:
            app = create_app(str(template), select=select)
        else:
            app = create_app(str(template), rules=rules if rules is not None else review_rules())
        app._validator = validator if validator is not None else FakeValidator()
        app.lint_delay = 0.0
        app.notes = []  # type: ignore[attr-defined]
        notify = app.notify

        def record(message: str, **kwargs: Any) -> None:
            app.notes.append(message)  # type: ignore[attr-defined]
            notify(message, **kwargs)

        app.notify = record  # type: ignore[method-assign]
        return app

    return make


async def settle(pilot: Any) -> None:
    """Let timers fire and workers finish, then let their messages be handled."""
    await pilot.pause()
    await pilot.pause(pilot.app.lint_delay)  # the delayed first cfn-lint run
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no pytest-asyncio dependency)."""
    import asyncio
    import inspect

    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(pyfuncitem.obj(**kwargs))
    return True


def plain(widget: Any, width: int = 200) -> str:
    """What a Static shows, as plain text."""
    from rich.console import Console

    with open(os.devnull, "w") as sink:
        console = Console(width=width, record=True, file=sink, color_system=None)
        console.print(widget.content)
        return console.export_text()


def screen_text(app: Any, region: Any = None) -> list[str]:
    """The screen as the terminal shows it, one string a row (``region``: only that part, e.g.
    a widget's ``region``). Read from what Textual composes for the terminal, the same as its
    own ``export_screenshot``, so tests assert the visible text, not a picture's bytes."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    rows = console.export_text(styles=False).split("\n")[:height]
    if region is None:
        return rows
    return [
        r[region.x : region.x + region.width] for r in rows[region.y : region.y + region.height]
    ]
