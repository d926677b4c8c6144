"""How fast the review app's screen follows the keys: one row change, and the preview after an edit.

Run by ``bench/run.py`` in a fresh process per template; alone:
``python bench/app_timing.py TEMPLATE [--moves N] [--edits N] [--no-lint] [--json]``.

The app runs headless under Textual's Pilot at 120x40 with the real cfn-lint (its worker
process, as the command starts it). Times are taken inside the process, from the key being sent
to the end of the first frame that shows its result (the frame is also turned into the terminal's
bytes, which a real terminal would be sent):

- **row change**: ``down``/``up`` until the detail pane shows the newly selected finding and,
  for a finding with a fix whose preview is ready, the preview beside it. Measured while the
  first cfn-lint run is going on (``during lint``) and after it, the app idle (``idle``).
- **preview after an edit**: ``a`` (a safe fix) and ``down`` typed together; the time from the
  end of the edit (the fix applied, the findings re-detected, on the screen's thread) to the
  frame showing the next finding's preview (not "computing the preview…"), and from the ``a``
  (the edit included). Repeated on successive findings.

Row changes "during lint" are those made while the first cfn-lint run, and a second one started
with ``v``, are going on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE = (120, 40)


def send_keys(app: Any, *keys: tuple[str, str | None]) -> None:
    """Send key events at once, as a terminal would (``Pilot.press`` waits for the app to be
    idle before the next key, and a worker computing previews keeps it from being idle)."""
    from textual import events

    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


def _summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "max": max(values),
        "min": min(values),
    }


async def measure(path: str, moves: int, edits: int, lint: bool) -> dict[str, Any]:
    from fixers.session import OPEN
    from tui.app import create_app

    app = create_app(path, lint=lint)
    frames: list[float] = []
    shown: list[tuple[float, Any, bool]] = []  # (when, selected key, preview on screen)

    async with app.run_test(size=SIZE) as pilot:
        display = app._display
        show = app._show_selected

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)  # what a terminal would be sent
            frames.append(time.perf_counter())

        def timed_show() -> None:
            show()
            item = app.selected_item()
            title = str(app.query_one("#after-pane").border_title or "")
            shown.append((time.perf_counter(), item.key if item else None, "(preview)" in title))

        app._display = timed_display  # type: ignore[method-assign]
        app._show_selected = timed_show  # type: ignore[method-assign]

        def needs_preview() -> bool:
            item = app.selected_item()
            return item is not None and item.state == OPEN and item.finding.fix is not None

        async def wait_frame(since: float, key: Any, preview: bool, timeout: float = 30) -> float:
            """Seconds from ``since`` to the first frame after ``key`` was shown (with its
            preview if ``preview``)."""
            end = time.perf_counter() + timeout
            while time.perf_counter() < end:
                done = [t for t, k, p in shown if t >= since and k == key and (p or not preview)]
                if done:
                    after = [f for f in frames if f >= done[0]]
                    if after:
                        return after[0] - since
                await asyncio.sleep(0.002)
            return float("nan")

        def lint_running() -> bool:
            return app.lint_status.state in ("waiting", "running")

        async def move(key: str) -> float:
            await pilot.pause()
            since = time.perf_counter()
            await pilot.press(key)
            item = app.selected_item()
            ready = item is not None and (app._version, item.key) in app._previews
            return await wait_frame(since, item.key if item else None, needs_preview() and ready)

        while not app._painted:
            await pilot.pause(0.01)
        busy: list[float] = []
        idle: list[float] = []
        direction = "down"
        for n in range(moves * 3):
            if not lint_running() and n >= moves:
                break
            was_busy = lint_running()
            ms = await move(direction) * 1000
            (busy if was_busy and lint_running() else idle).append(ms)
            await pilot.pause(0.1)  # a user's pace: previews may be computed ahead
        waited = time.perf_counter()
        while lint_running() and time.perf_counter() - waited < 120:
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        idle_after: list[float] = []
        for n in range(moves):
            idle_after.append(await move("up" if n % 2 else "down") * 1000)
            await pilot.pause(0.1)
        if lint:
            # cfn-lint again (v: the original and the current text): moves while it runs.
            await pilot.press("v")
            for n in range(moves):
                if not lint_running():
                    break
                ms = await move("up" if n % 2 else "down") * 1000
                if lint_running():
                    busy.append(ms)
                await pilot.pause(0.1)
            while lint_running() and time.perf_counter() - waited < 240:
                await pilot.pause(0.05)

        previews: list[float] = []
        edits_done: list[float] = []
        for _ in range(edits):
            for _ in range(len(app.review.items) + 10):
                item = app.selected_item()
                if item and item.state == OPEN and item.finding.fix and item.finding.fix.safe:
                    break
                await pilot.press("down")
            else:
                break
            # ``a`` and ``down`` typed together, as a user moves on after applying.
            since = time.perf_counter()
            done_at: list[float] = []
            apply = app._apply

            def timed_apply(item: Any, apply: Any = apply, done_at: list[float] = done_at) -> None:
                apply(item)
                done_at.append(time.perf_counter())

            app._apply = timed_apply  # type: ignore[method-assign]
            send_keys(app, ("a", "a"), ("down", None))
            while not done_at and time.perf_counter() - since < 30:
                await asyncio.sleep(0.002)
            await asyncio.sleep(0.05)
            app._apply = apply  # type: ignore[method-assign]
            item = app.selected_item()
            if not needs_preview() or not done_at:
                continue
            took = await wait_frame(since, item.key if item else None, True)
            edits_done.append(took * 1000)
            previews.append((since + took - done_at[0]) * 1000)
            await pilot.pause(0.3)
        app.exit(0)
    close = getattr(app._validator, "close", None)
    if close is not None:
        close()
    lines = Path(path).read_text(encoding="utf-8").count("\n")
    return {
        "template": path,
        "lines": lines,
        "row_idle": _summary(idle + idle_after),
        "row_during_lint": _summary(busy),
        "preview_after_edit": _summary(previews),
        "edit_to_next_preview": _summary(edits_done),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template")
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(measure(args.template, args.moves, args.edits, not args.no_lint))
    if args.json:
        print(json.dumps(result))
        return

    def fmt(s: dict[str, Any]) -> str:
        if not s["n"]:
            return "n/a"
        return f"median {s['median']:.0f} ms (min {s['min']:.0f}, max {s['max']:.0f}, n={s['n']})"

    print(f"{result['template']} ({result['lines']} lines)")
    print(f"  row change, idle:        {fmt(result['row_idle'])}")
    print(f"  row change, during lint: {fmt(result['row_during_lint'])}")
    print(f"  preview after an edit:   {fmt(result['preview_after_edit'])}")
    print(f"  a+down to that preview:  {fmt(result['edit_to_next_preview'])}")


if __name__ == "__main__":
    main()
