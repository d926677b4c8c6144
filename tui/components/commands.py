"""The command palette provider: the app's actions by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS = [
    ("Apply selected fix", "apply", "a: apply the selected finding's fix (unsafe fixes ask first)"),
    ("Skip selected finding", "skip", "s: skip the selected finding, or reopen it"),
    (
        "Suppress selected finding",
        "suppress",
        "x: record a suppression with a reason in the template's Metadata",
    ),
    ("Apply all safe fixes", "apply_all", "A: apply every safe fix, as --auto-fix does"),
    ("Undo last applied fix", "undo", "u: undo the last applied fix"),
    ("Toggle diff view", "toggle_diff", "d: side by side or the unified diff of the whole file"),
    ("Revalidate with cfn-lint", "revalidate", "v: run cfn-lint on the current edits now"),
    ("Write file", "write", "w: write the edits to the template, atomically"),
    ("Filter findings", "filter", "/: filter the findings list"),
    ("Help: keys", "help", "?: every key"),
    ("Quit", "quit_app", "q: quit (asks if there are unwritten changes)"),
]


class ReviewCommands(Provider):
    """Offers the review actions; each runs the app's action of the same name."""

    def _run(self, action: str) -> None:
        self.app.call_later(self.app.run_action, action)

    async def discover(self) -> Hits:
        for title, action, help_text in COMMANDS:
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._run, action), help=help_text
                )
