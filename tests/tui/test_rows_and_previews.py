"""Rows that tell apart findings of one code on one resource, and previews computed ahead."""

from __future__ import annotations

import shutil
from pathlib import Path

from fixers import config
from fixers.document import Document
from fixers.engine import Status, apply_one
from fixers.model import Finding
from fixers.rules import Rule
from fixers.session import APPLIED, OPEN, Item, Previewer, Review
from tests.conftest import SAMPLES
from tests.tui.conftest import press, settle
from tui.app import PREVIEW_AHEAD, PreviewReady
from tui.components.findings_list import distinctions, row


def shown_order(app) -> list[int]:  # type: ignore[no-untyped-def]
    lst = app.findings_list
    ids = (lst.get_option_at_index(n).id or "" for n in range(lst.option_count))
    return [int(i) for i in ids if i.isdigit()]


def finding(code: str, resource: str, path: tuple, message: str) -> Finding:
    return Finding(code, ("1.1",), "Title", "low", "ecs", path, message, resource)


def test_a_service_missing_five_dependencies_shows_each_dependency() -> None:
    deps = ["Db", "DbReplica", "Secret", "Key", "LogGroup"]
    items = [
        Item(
            finding(
                "MF1103",
                "Service",
                ("Resources", "Service", "DependsOn", d),
                f"ECS service Service does not wait for {d}.",
            )
        )
        for d in deps
    ] + [Item(finding("MF1101", "Service", ("Resources", "Service"), "Alone on its row."))]
    found = distinctions(items)
    assert [found[i.key] for i in items[:5]] == deps
    assert items[5].key not in found  # nothing to tell apart
    assert "› DbReplica" in row(items[1], 37, found[items[1].key]).plain
    assert "› DbReplica" in row(items[1], 80, found[items[1].key]).plain


def test_the_shortest_end_of_the_paths_that_differs_names_a_list_item_with_its_list() -> None:
    base = ("Resources", "Plan", "Properties", "BackupPlan", "BackupPlanRule")
    items = [
        Item(finding("MF1303", "Plan", base + (0, "Lifecycle"), "Rule Daily keeps 35 days.")),
        Item(finding("MF1303", "Plan", base + (1, "Lifecycle"), "Rule Monthly keeps 35 days.")),
        Item(finding("MF0302", "Db", ("Resources", "Db", "Properties", "A", "Key"), "a")),
        Item(finding("MF0302", "Db", ("Resources", "Db", "Properties", "B", "Key"), "b")),
    ]
    found = distinctions(items)
    assert [found[i.key] for i in items] == [
        "BackupPlanRule[0].Lifecycle",
        "BackupPlanRule[1].Lifecycle",
        "A.Key",
        "B.Key",
    ]


def test_where_the_path_does_not_tell_the_messages_do() -> None:
    items = [
        Item(finding("MF0506", "Tg", ("Resources", "Tg"), "Target group Tg has timeout 5 s.")),
        Item(
            finding(
                "MF0506", "Tg", ("Resources", "Tg", "Properties"), "Target group Tg has 3 tries."
            )
        ),
    ]
    assert [distinctions(items)[i.key] for i in items] == ["timeout 5 s", "3 tries"]


def preview(
    text: str,
    path: str,
    bom: bool,
    rule: Rule,
    finding: Finding,
    settings: config.Settings | None = None,
) -> tuple[str | None, str | None]:
    """The reference the Previewer must agree with: one fix applied to a fresh copy of the text."""
    copy = Document.from_text(text, path, bom, settings)
    status, reason, _ = apply_one(copy, rule, finding, [])
    if status not in (Status.APPLIED, Status.ALREADY_FIXED):
        return None, reason or status
    return copy.text, reason


def test_previewer_gives_what_preview_gives_for_every_fix_of_the_sample() -> None:
    review = Review.open(str(SAMPLES / "transaction-platform.yaml"))
    previewer = Previewer(review.text, review.path, review.bom, review.doc.settings)
    fixable = [i for i in review.items if i.finding.fix is not None]
    assert len(fixable) > 20
    for item in fixable:
        rule = review.by_code[item.finding.code]
        expected = preview(
            review.text, review.path, review.bom, rule, item.finding, review.doc.settings
        )
        assert previewer.preview(rule, item.finding) == expected, item.finding.code


def test_a_previewer_rebased_on_the_edited_text_gives_what_preview_gives() -> None:
    """After an edit the previews start from the edited document's tree (no second reading)."""
    review = Review.open(str(SAMPLES / "transaction-platform.yaml"))
    previewer = Previewer(review.text, review.path, review.bom, review.doc.settings)
    first = next(i for i in review.items if i.finding.fix is not None and i.finding.fix.safe)
    previewer.preview(review.by_code[first.finding.code], first.finding)  # read the original
    assert review.apply(first) is None
    previewer.rebase(review.doc.checkpoint())
    assert previewer.text == review.text
    fixable = [i for i in review.items if i.state == OPEN and i.finding.fix is not None]
    for item in fixable:
        rule = review.by_code[item.finding.code]
        expected = preview(
            review.text, review.path, review.bom, rule, item.finding, review.doc.settings
        )
        assert previewer.preview(rule, item.finding) == expected, item.finding.code


async def test_previews_are_computed_ahead_and_never_shown_for_an_older_text(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLES / "transaction-platform.yaml", "t.yaml")
    app = make_app()
    app.review = Review.open("t.yaml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # The rows next to the selection have their preview before the user gets to them.
        near = [app.review.items[i] for i in shown_order(app)[: PREVIEW_AHEAD + 1]]
        near = [i for i in near if i.state == OPEN and i.finding.fix is not None]
        assert len(near) >= 2
        assert all((app._version, i.key) in app._previews for i in near)
        await press(pilot, "j")
        after_pane = app.query_one("#after-pane")
        assert after_pane.border_title == "After the fix (preview)"  # shown at once

        old_version = app._version
        await press(pilot, "k", "a")  # an edit: a new text, new previews
        await settle(pilot)
        assert app.review.items[0].state == APPLIED or app._version > old_version
        assert all(version == app._version for version, _ in app._previews)
        text = app.review.text
        for (_, key), (after, note, _pair) in app._previews.items():
            item = next(i for i in app.review.items if i.key == key)
            rule = app.review.by_code[item.finding.code]
            assert (after, note) == preview(
                text, app.review.path, app.review.bom, rule, item.finding, app.review.doc.settings
            )
        # A preview of the text before the edit, arriving late, is dropped.
        item = next(i for i in app.review.items if i.state == OPEN and i.finding.fix)
        app._previews.pop((app._version, item.key), None)
        app.post_message(PreviewReady(old_version, item.key, "stale", None, None))
        await pilot.pause()
        assert (old_version, item.key) not in app._previews
        assert all(after != "stale" for after, _, _ in app._previews.values())
