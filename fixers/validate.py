"""Revalidate templates with cfn-lint, in process, and compare the results.

A fix is only worth writing if it does not make the template worse in cfn-lint's
eyes, and about a fifth of real templates already fail cfn-lint before any edit.
So this module lints the exact text that would be written (cfn-lint decodes it
itself: short tags become ``Fn::`` form and every node keeps its line) and
`compare` says which errors a fix added, matching by rule and path rather than by
line, because an insertion moves every line below it.

Cost is the design constraint:

- ``import cfnlint`` takes about half a second, so it happens lazily in
  `Validator.__init__`; importing this module stays cheap, and the batch
  ``--check`` mode, which never validates, never pays for it.
- ``cfnlint.api.lint()`` rebuilds every rule object on each call (0.3 s or more
  before any linting). `Validator` builds the rule set once per distinct rule
  source (cfn-lint's bundled rules plus any ``append_rules`` / ``custom_rules``
  the configuration names) and reuses it; everything else in a configuration
  (regions, ignore/include/mandatory checks, configure_rules, the template's own
  ``Metadata: cfn-lint: config``) is applied by cfn-lint at run time, so one
  built rule set serves every configuration that shares its sources.

The user's cfn-lint configuration is honoured as the ``cfn-lint`` command would
for the file: ``~/.cfnlintrc[.yaml|.yml]`` merged with a project file, which is
the one in the template's folder if there is one, else the one in the current
directory (cfn-lint itself only looks in the current directory; a tool that is
handed a path should also find the configuration kept next to the template).
Files are read, validated and merged by cfn-lint's own ``ConfigMixIn``.

UI-free on purpose: no textual or rich import, so batch mode, the TUI and tests
share it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "EXEMPT_WARNINGS",
    "LintError",
    "LintWorker",
    "Linter",
    "Validator",
    "WorkerValidator",
    "added",
    "cfn_lint_version",
    "compare",
    "usable_cpus",
]

# cfn-lint's file names, in its order of preference (cfnlint.config.ConfigFileArgs).
_RC_NAMES = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")

# Rule ids for the LintErrors this module makes itself.
_CONFIG_ERROR = "E0003"  # cfn-lint's ConfigError: the configuration is unusable


# Messages that list what the template holds ("'X' is not one of ['VPC', ...]"): a fix that
# adds a resource changes the list, not the error.
_LIST_RE = re.compile(r"\[[^\[\]]*\]")


def _normalise_message(message: str) -> str:
    """The message with positions and listed names replaced, so it survives insertions."""
    # Positions: the decoder's "Duplicate found 'X' (line 5)", the JSON decoder's
    # "...: line 5 column 3 (char 120)".
    from fixers.model import without_positions

    return _LIST_RE.sub("[...]", without_positions(message))


@dataclass(frozen=True)
class LintError:
    """One cfn-lint finding, detached from cfn-lint's objects.

    ``line`` and ``column`` count from 1. ``level`` is the rule's severity:
    "error", "warning" or "informational".
    """

    rule: str
    message: str
    path: tuple[str | int, ...]
    line: int
    column: int
    level: str

    def key(self) -> tuple[str, tuple[str | int, ...], str]:
        """Identity of the finding across an edit: (rule, path, message without positions).

        Lines are left out because inserted text shifts them, and so are the list indices of
        the path (an item inserted before it shifts them too) and ``Fn::If`` (a value a fix puts
        under a condition moves into a branch); the keys of the path do not move.
        """
        return (
            self.rule,
            tuple(p for p in self.path if not isinstance(p, int) and p != "Fn::If"),
            _normalise_message(self.message),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, for the ``validation`` entries of the JSON report."""
        return {
            "rule": self.rule,
            "level": self.level,
            "path": list(self.path),
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class Linter(Protocol):
    """What lints: `Validator` in process, `WorkerValidator` in another process, test fakes."""

    def lint(self, text: str, filename: str) -> list[LintError]: ...


EXEMPT_WARNINGS: dict[str, str] = {
    "W2001": "a parameter the fixed template no longer uses, kept so that existing deploy "
    "commands that pass it still work",
    "W7001": "a mapping the fixed template no longer uses, left in place",
    "W8001": "a condition the fixed template no longer uses, left in place",
    "W3005": "a DependsOn made redundant by a reference the fix needs: CloudFormation orders "
    "the resources the same way",
}
"""The warnings a correct fix may cause: reported as notes, never rolled back for. Nothing
that changes what CloudFormation deploys is here (never W1001, W1028, W3011 and the like)."""


def compare(
    before: Iterable[LintError],
    after: Iterable[LintError],
    *,
    include_warnings: bool = False,
) -> list[LintError]:
    """The findings of ``after`` that ``before`` does not have: what an edit added.

    Matched by `LintError.key` with multiplicity, so a second copy of an error
    that already existed counts as new. Only level "error" unless
    ``include_warnings``, then warnings too; informational findings never count.
    The result keeps the order of ``after``.
    """
    levels = {"error", "warning"} if include_warnings else {"error"}
    remaining = Counter(e.key() for e in before if e.level in levels)
    new: list[LintError] = []
    for error in after:
        if error.level not in levels:
            continue
        k = error.key()
        if remaining[k] > 0:
            remaining[k] -= 1
        else:
            new.append(error)
    return new


def added(
    before: Iterable[LintError], after: Iterable[LintError]
) -> tuple[list[LintError], list[LintError]]:
    """What edits added to the errors and warnings of ``before``: those a fix is rolled back
    for, and the warnings of ``EXEMPT_WARNINGS`` (notes)."""
    new = compare(before, after, include_warnings=True)
    return (
        [e for e in new if e.rule not in EXEMPT_WARNINGS],
        [e for e in new if e.rule in EXEMPT_WARNINGS],
    )


def cfn_lint_version() -> str:
    """The installed cfn-lint version, read from package metadata (no cfn-lint import)."""
    from importlib import metadata

    try:
        return metadata.version("cfn-lint")
    except metadata.PackageNotFoundError:  # e.g. vendored or zipped
        from cfnlint.version import __version__

        return str(__version__)


def _find_rc(folder: Path) -> Path | None:
    """The cfn-lint configuration file in ``folder``, as cfn-lint would pick it."""
    for name in _RC_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _file_identity(path: Path | None) -> tuple[str, int, int] | None:
    """Path plus mtime and size: a cache key that changes when the file is edited."""
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size)


def _sort_key(error: LintError) -> tuple[Any, ...]:
    return (error.line, error.column, error.rule, tuple(str(p) for p in error.path), error.message)


def _path_tuple(path: Any) -> tuple[str | int, ...]:
    if not path:
        return ()
    # Plain str and int only: cfn-lint's str_node subclasses cannot be pickled (--jobs).
    return tuple(
        int(p) if isinstance(p, int) and not isinstance(p, bool) else str(p) + "" for p in path
    )


def _from_match(match: Any) -> LintError:
    """Convert a cfn-lint Match into a LintError."""
    return LintError(
        rule=str(match.rule.id),
        message=str(match.message),
        path=_path_tuple(getattr(match, "path", None)),
        line=int(match.linenumber or 1),
        column=int(match.columnnumber or 1),
        level=str(getattr(match.rule, "severity", "error") or "error").lower(),
    )


def _config_error(message: str) -> LintError:
    return LintError(_CONFIG_ERROR, message, (), 1, 1, "error")


class Validator:
    """Lints template text with cfn-lint, building cfn-lint's rules once.

    Make one per process and reuse it: the first `lint` builds the rule set
    (and cfn-lint loads the resource schemas it needs); later lints reuse both.
    Safe to share between threads (lints are serialised: cfn-lint configures its
    rule objects in place on every run).
    """

    def __init__(self) -> None:
        # Imported here, not at module level: see the module docstring.
        import cfnlint.schema
        from cfnlint.config import ConfigMixIn
        from cfnlint.decode.decode import decode_str
        from cfnlint.exceptions import CfnLintExitException
        from cfnlint.rules import Rules
        from cfnlint.runner.template import run_template_by_data

        class _Config(ConfigMixIn):
            """cfn-lint's configuration, read from the files we chose.

            ConfigFileArgs only looks in the home folder and the current
            directory; overriding its finder lets cfn-lint itself read,
            validate and merge a project file kept next to the template.
            """

            def __init__(self, user_rc: Path | None, project_rc: Path | None) -> None:
                self._meridian_rc = (user_rc or "", project_rc or "")
                super().__init__([])

            def _find_config(self) -> tuple[Any, Any]:
                return self._meridian_rc

        self._config_cls = _Config
        self._decode_str = decode_str
        self._run_template_by_data = run_template_by_data
        self._Rules = Rules
        self._schema = cfnlint.schema
        self._exit_exception = CfnLintExitException

        self._lock = threading.RLock()
        self._configs: dict[tuple[Any, ...], Any] = {}
        self._rules: dict[tuple[Any, ...], Any] = {}
        self._registry_loaded: set[str] = set()
        self._override_state: tuple[Any, ...] | None = None

        # cfn-lint logs decode failures with LOGGER.error; with no handler Python
        # prints them on stderr, which would scribble over the TUI.
        cfn_logger = logging.getLogger("cfnlint")
        if not any(isinstance(h, logging.NullHandler) for h in cfn_logger.handlers):
            cfn_logger.addHandler(logging.NullHandler())

    # -- configuration -------------------------------------------------

    @staticmethod
    def config_files(filename: str | os.PathLike[str]) -> tuple[Path | None, Path | None]:
        """The (user, project) cfn-lint configuration files honoured for ``filename``.

        User: ``~/.cfnlintrc[.yaml|.yml]``. Project: the one in the template's
        folder, else the one in the current directory.
        """
        try:
            user_rc = _find_rc(Path.home())
        except (RuntimeError, KeyError):  # no resolvable home folder
            user_rc = None
        cwd = Path.cwd()
        folder = Path(os.path.abspath(filename)).parent if str(filename) else cwd
        project_rc = _find_rc(folder) or (_find_rc(cwd) if folder != cwd else None)
        return user_rc, project_rc

    def _config_for(self, user_rc: Path | None, project_rc: Path | None) -> Any:
        """A cfn-lint ConfigMixIn for these files (cached), or a LintError if unusable."""
        key = (_file_identity(user_rc), _file_identity(project_rc))
        config = self._configs.get(key)
        if config is None:
            try:
                config = self._config_cls(user_rc, project_rc)
            except Exception as exc:  # noqa: BLE001 - ConfigFileError, YAML errors in the rc file
                where = ", ".join(str(p) for p in (user_rc, project_rc) if p)
                config = _config_error(f"cfn-lint configuration {where}: {exc}")
            self._configs[key] = config
        return config

    def _rules_for(self, config: Any) -> Any:
        """The built rule set for this configuration's rule sources (cached).

        Mirrors cfnlint.runner.cli.Runner._get_rules, which is the only place
        cfn-lint builds rules from a configuration.
        """
        append_rules = tuple(config.append_rules)
        custom_rules = config.custom_rules
        key = (
            append_rules,
            _file_identity(Path(custom_rules)) if custom_rules else None,
        )
        rules = self._rules.get(key)
        if rules is None:
            Rules = self._Rules
            rules = Rules()
            for rules_path in append_rules:
                if rules_path and os.path.isdir(os.path.expanduser(rules_path)):
                    rules.update(Rules.create_from_directory(rules_path))
                else:
                    rules.update(Rules.create_from_module(rules_path))
            rules.update(Rules.create_from_custom_rules_file(custom_rules))
            self._rules[key] = rules  # failures raise above and are not cached
        return rules

    def _apply_schema_config(self, config: Any) -> None:
        """Apply registry_schemas and override_spec, which cfn-lint keeps process-wide.

        Registry schemas only add resource types, so each folder is loaded once.
        An override spec patches the shared schema store, so it is undone (the
        store reset) when the next configuration asks for a different one.
        """
        for path in config.registry_schemas or []:
            if path not in self._registry_loaded:
                self._schema.PROVIDER_SCHEMA_MANAGER.load_registry_schemas(path)
                self._registry_loaded.add(path)
        override = config.override_spec
        state = None
        if override:
            state = (override, _file_identity(Path(override)), tuple(config.regions))
        if state != self._override_state:
            if self._override_state is not None:
                self._schema.reset()
            self._override_state = None
            if state is not None:
                self._schema.patch(override, config.regions)
                self._override_state = state

    # -- linting -------------------------------------------------------

    def lint(self, text: str, filename: str | os.PathLike[str]) -> list[LintError]:
        """Errors, warnings (and informational findings, if configured) for ``text``.

        ``text`` is what would be written to ``filename``; the file itself is
        not read, ``filename`` only locates the configuration. Sorted by line.
        Text cfn-lint cannot decode gives its parse error (rule E0000), always,
        even if the configuration ignores E0000: a fix that breaks parsing must
        never look harmless. An unusable configuration gives one E0003. Never
        raises for bad input.
        """
        template, decode_matches = self._decode_str(text)
        if decode_matches:
            return sorted((_from_match(m) for m in decode_matches), key=_sort_key)

        user_rc, project_rc = self.config_files(filename)
        with self._lock:
            config = self._config_for(user_rc, project_rc)
            if isinstance(config, LintError):
                return [config]
            # The cached config carries the previous template's Metadata config.
            config.set_template_args({})
            try:
                rules = self._rules_for(config)
                self._apply_schema_config(config)
                matches = list(self._run_template_by_data(template, config, rules))
            except (self._exit_exception, OSError, ImportError) as exc:
                # Invalid regions, duplicate or unloadable rules, missing files.
                return [_config_error(f"cfn-lint could not run: {exc}")]
            except SystemExit as exc:
                # cfnlint.schema.patch() exits on a bad override spec file.
                self._override_state = None
                self._schema.reset()
                return [
                    _config_error(
                        f"cfn-lint could not apply override_spec {config.override_spec!r}"
                        f" (exit {exc.code})"
                    )
                ]
        return sorted((_from_match(m) for m in matches), key=_sort_key)


_WARM_TEXT = "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"


def worker_main(argv: list[str]) -> int:
    """A `LintWorker` process (``python -m fixers.lint_worker REQUESTS_FD ANSWERS_FD [FILE]``):
    build cfn-lint (for FILE's configuration), then lint what is asked until the pipe closes."""
    from multiprocessing.connection import Connection

    requests, answers = (
        Connection(int(argv[0]), writable=False),
        Connection(int(argv[1]), readable=False),
    )
    validator = Validator()
    if len(argv) > 2 and argv[2]:
        validator.lint(_WARM_TEXT, argv[2])  # reads the configuration and builds the rule set
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):
            return 0
        try:
            result: list[LintError] | None = validator.lint(*request)
        except Exception:  # noqa: BLE001 - the parent lints itself instead
            result = None
        try:
            answers.send(result)
        except OSError:  # the parent is gone
            return 0


class LintWorker:
    """cfn-lint in another process, so that its cost overlaps with this process's work.

    Importing cfn-lint and building its rules takes about 0.7 s, as long as detecting and fixing
    a typical template; a worker started before the fixing has cfn-lint ready when the result
    is. A worker can also lint the original of a large template while this process fixes it
    (``first``): revalidation needs that lint whenever the result still has errors, and on 1 MB
    it costs 13 s. The worker is a plain ``python -m fixers.lint_worker`` with two pipes (no
    socket, no fork of a process that may have threads, nothing of the caller's ``__main__``
    run again), its output sent to /dev/null so that it never lands on the app's screen; it
    exits when this process closes the pipe or goes away. ``lint`` answers None if the worker
    is gone; the caller then lints in process.
    """

    def __init__(
        self, warm_filename: str | None = None, first: tuple[str, str] | None = None
    ) -> None:
        import subprocess
        from multiprocessing.connection import Connection

        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(
                [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        )
        try:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "fixers.lint_worker",
                    str(req_r),
                    str(ans_w),
                    warm_filename or "",
                ],
                pass_fds=(req_r, ans_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except BaseException:
            os.close(req_w)
            os.close(ans_r)
            raise
        finally:
            os.close(req_r)  # the worker's ends: it has them now
            os.close(ans_w)
        self._requests = Connection(req_w, readable=False)
        self._answers = Connection(ans_r, writable=False)
        self._sender: threading.Thread | None = None
        self._closing = threading.Lock()
        self._closed = False
        if first is not None:
            self.submit(*first)

    def submit(self, text: str, filename: str) -> None:
        """Ask for a lint; `result` gives the answers in the order asked. Returns at once: a
        request larger than the pipe's buffer is written by a thread while the worker is still
        building cfn-lint, so the caller goes on fixing meanwhile."""
        self._join_sender()
        self._sender = threading.Thread(
            target=self._send, args=((text, str(filename)),), daemon=True
        )
        self._sender.start()

    def _send(self, request: tuple[str, str]) -> None:
        with contextlib.suppress(OSError, ValueError):  # the worker is gone: `result` finds out
            self._requests.send(request)

    def _join_sender(self, timeout: float | None = None) -> None:
        if self._sender is not None:
            self._sender.join(timeout)
            self._sender = None

    def result(self) -> list[LintError] | None:
        """The answer to the oldest waiting request (waiting for it); None if the worker is gone."""
        try:
            value = self._answers.recv()
        except (EOFError, OSError, ValueError):
            self.close()
            return None
        return value if isinstance(value, list) else None

    def lint(self, text: str, filename: str) -> list[LintError] | None:
        self.submit(text, filename)
        return self.result()

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        """Stop the worker now (it holds nothing worth finishing). Safe to call more than once,
        and from another thread than the one waiting for an answer (that one gets None)."""
        if self._proc.poll() is None:
            self._proc.terminate()
        self._proc.wait()
        with self._closing:
            if self._closed:
                return
            self._closed = True
        self._join_sender(timeout=5)  # its write fails once the worker's end is closed
        self._requests.close()
        self._answers.close()


class WorkerValidator:
    """cfn-lint as the engine and the app use it: in a `LintWorker` process once ``start`` has
    one running, else in this process (a `Validator`, built when first needed).

    The worker keeps cfn-lint's cost off this process: started before the fixing, it has
    cfn-lint ready when the result is; for the app, a lint thread would otherwise hold the
    interpreter for seconds (13 s on a 1 MB template) and make the screen stutter. A worker
    found dead before a lint is started anew; one that fails during a lint, or no process to be
    had, leaves the linting to this process until ``start`` is called again. Lints are
    serialised, as `Validator`'s are. One instance may serve several engines (a batch run's).
    """

    def __init__(self, warm_filename: str | None = None, start: bool = True) -> None:
        self._warm = warm_filename
        self._lock = threading.Lock()
        self._worker: LintWorker | None = None
        self._local: Validator | None = None
        self._closed = False  # by close(): no worker is started again until start()
        self._closings = 0  # how many times close() ran: a lint it interrupted answers nothing
        if start:
            self.start(warm_filename)

    def start(self, warm_filename: str | None = None) -> None:
        """Have a worker running (building cfn-lint for ``warm_filename``'s configuration):
        the one there is if it is alive, else a new one. No process to be had: lint here."""
        with self._lock:
            self._closed = False
            if warm_filename is not None:
                self._warm = warm_filename
            if self._worker is None or not self._worker.alive:
                self._spawn()

    def _spawn(self) -> None:
        if self._worker is not None:
            self._worker.close()
        try:
            self._worker = LintWorker(warm_filename=self._warm)
        except OSError:  # no process to be had (limits on processes or files)
            self._worker = None

    @property
    def in_worker(self) -> bool:
        """Whether a worker process is running to take the next lint."""
        return self._worker is not None and self._worker.alive

    @property
    def local(self) -> Validator | None:
        """The in-process validator, if a lint ever needed one."""
        return self._local

    def lint(self, text: str, filename: str | os.PathLike[str]) -> list[LintError]:
        closings = self._closings
        with self._lock:
            if self._worker is not None and not self._worker.alive and not self._closed:
                self._spawn()  # it died since the last lint (killed, out of memory): start anew
            worker = self._worker
            if worker is not None:
                found = worker.lint(text, str(filename))
                if found is not None:
                    return found
                worker.close()  # it failed on this text: lint here until the next start
                if self._worker is worker:
                    self._worker = None
            if self._closings != closings:
                return []  # closed while this lint waited: nobody waits for the answer
            if self._local is None:
                self._local = Validator()
            return self._local.lint(text, filename)

    def close(self) -> None:
        """Stop the worker now, even in the middle of a lint: that lint answers nothing. Later
        lints run in this process, until ``start`` starts a new worker."""
        self._closed = True
        self._closings += 1
        worker = self._worker  # kept: a lint waiting on it gets None and sees it closed
        if worker is not None:
            worker.close()


def usable_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
