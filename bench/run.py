"""Side-by-side benchmark of meridian-fix against cfn-lint (issue 11). Not part of the test suite.

    python bench/run.py              # full run (5 alternating repetitions)
    python bench/run.py --quick      # 2 repetitions, for a quick look
    python bench/run.py --markdown   # the same, as Markdown for bench/README.md

Every measurement is a whole process (interpreter start, imports, work, exit), timed from the
outside with ``time.perf_counter`` and reaped with ``os.wait4`` (CPU time of it and the workers
it waited for); peak memory is the resident memory of the process and all its descendants,
summed, sampled every 20 ms from /proc. On each target the commands run interleaved, one repetition of each
in turn (A B C D A B C D ...), so drift in machine load hits all of them alike; medians are
reported with min and max. See bench/README.md for what each goal means.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402

SAMPLE = ROOT / "sample_templates" / "transaction-platform.yaml"
CORPUS = Path(
    os.environ.get(
        "MF_BENCH_CORPUS",
        Path(__file__).resolve().parents[2] / "shared" / "corpus" / "aws-cloudformation-templates",
    )
)
PY = sys.executable
TIMEOUT = float(os.environ.get("MF_BENCH_TIMEOUT", "600"))  # seconds; a process past it is killed
TIMEOUT_RC = -999
# Children keep compiled bytecode, as an installed tool does: this environment sets
# PYTHONDONTWRITEBYTECODE, which would make every run recompile every module of the project
# (about a third of a --check run). The cache goes to a temp folder, never into the repo.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
MF = shutil.which("meridian-fix") or "meridian-fix"
CFN_LINT = shutil.which("cfn-lint") or "cfn-lint"

# The floor for anything that edits a template: ruamel.yaml's round-trip load, timed in-process
# (after its import) in a fresh interpreter. It prints the load seconds on stdout.
RUAMEL_LOAD = r"""
import sys, time
from ruamel.yaml import YAML
files = sys.argv[1:]
texts = [open(f, encoding="utf-8-sig").read() for f in files]
t0 = time.perf_counter()
for t in texts:
    try:
        YAML(typ="rt").load(t)
    except Exception:
        pass  # a file ruamel refuses still cost its time
print(time.perf_counter() - t0)
"""


@dataclass
class Series:
    label: str
    argv: list[str]
    times: list[float] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)  # in-process seconds printed by the child
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the process
    rss_kb: list[int] = field(default_factory=list)
    tree_kb: list[int] = field(default_factory=list)  # all the run's processes together, sampled
    rcs: list[int] = field(default_factory=list)
    out: Path | None = None  # -o target, removed before each run
    stderr_tail: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def timed_out(self) -> bool:
        return any(rc == TIMEOUT_RC for rc in self.rcs)

    @property
    def inner_median(self) -> float:
        return statistics.median(self.inner)

    @property
    def peak_mb(self) -> float:
        """The run's peak memory: its processes' resident sets summed (sampled every 20 ms;
        shared pages count once per process, so this errs high), or, where /proc cannot be
        read, the largest single process (``ru_maxrss``)."""
        tree = max(self.tree_kb) if self.tree_kb else 0
        return max(tree, max(self.rss_kb) if self.rss_kb else 0) / 1024


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return found


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants now (0 where /proc is missing)."""
    total = 0
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def run_once(s: Series) -> None:
    if s.out is not None and s.out.exists():
        s.out.unlink()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            s.argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT, env=CHILD_ENV
        )
        killed = False
        tree_peak, next_sample = 0, t0
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if now >= next_sample:
                tree_peak = max(tree_peak, tree_rss_kb(p.pid))
                next_sample = now + 0.02
            if not killed and now - t0 > TIMEOUT:
                p.kill()
                killed = True
            time.sleep(0.002)
        elapsed = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        s.times.append(elapsed)
        s.cpu.append(ru.ru_utime + ru.ru_stime)
        s.rss_kb.append(ru.ru_maxrss)
        s.tree_kb.append(tree_peak)
        s.rcs.append(TIMEOUT_RC if killed else p.returncode)
        out.seek(0)
        text = out.read().decode(errors="replace").strip()
        if s.label.startswith("ruamel"):
            with contextlib.suppress(ValueError, IndexError):
                s.inner.append(float(text.splitlines()[-1]))
        err.seek(0)
        s.stderr_tail = err.read().decode(errors="replace").strip()[-300:]


def alternate(series: list[Series], reps: int, progress: str) -> None:
    for r in range(reps):
        print(f"  {progress}: repetition {r + 1}/{reps}", file=sys.stderr, flush=True)
        for s in series:
            run_once(s)


def largest_corpus_template() -> Path | None:
    if not CORPUS.is_dir():
        return None
    from tui.cli import expand_paths

    files, _ = expand_paths([str(CORPUS)])
    return max((Path(f) for f in files), key=lambda p: p.stat().st_size, default=None)


def file_series(path: Path, work: Path, tag: str) -> list[Series]:
    out_v, out_nv = work / f"{tag}.fixed.yaml", work / f"{tag}.fixed-nv.yaml"
    if path.suffix == ".json":
        out_v, out_nv = out_v.with_suffix(".json"), out_nv.with_suffix(".json")
    f = str(path)
    return [
        Series("cfn-lint", [CFN_LINT, f]),
        Series("--check", [MF, "--check", f]),
        Series("--auto-fix (validate)", [MF, "--auto-fix", "-o", str(out_v), f], out=out_v),
        Series(
            "--auto-fix --no-validate",
            [MF, "--auto-fix", "--no-validate", "-o", str(out_nv), f],
            out=out_nv,
        ),
        Series("ruamel rt load", [PY, "-c", RUAMEL_LOAD, f]),
    ]


def first_findings(reps: int, timeout: float = 20.0) -> tuple[list[float], str | None]:
    """Seconds from starting the app in a 120x40 tmux pane to a finding code on screen."""
    if not (ROOT / "tui" / "app.py").exists():
        return [], "skipped: tui/app.py does not exist yet"
    tmux = shutil.which("tmux")
    if tmux is None:
        return [], "skipped: tmux is not installed"
    sock = f"mfbench-{os.getpid()}"
    base = [tmux, "-L", sock, "-f", "/dev/null"]
    times: list[float] = []
    note = None
    try:
        # A session that outlives the measured ones: without it the server exits with each
        # killed session, and the next one can race its shutdown ("server exited unexpectedly").
        subprocess.run(base + ["new-session", "-d", "-s", "keep", "sleep", "86400"], check=True)
        for r in range(reps):
            name = f"app{r}"
            t0 = time.perf_counter()
            subprocess.run(
                base
                + [
                    "new-session",
                    "-d",
                    "-s",
                    name,
                    "-x",
                    "120",
                    "-y",
                    "40",
                    "-c",
                    str(ROOT),
                    f"{MF} {SAMPLE.relative_to(ROOT)}",
                ],
                check=True,
                env={**CHILD_ENV, "TERM": "xterm-256color"},
            )
            seen = None
            screen = ""
            while time.perf_counter() - t0 < timeout:
                cap = subprocess.run(
                    base + ["capture-pane", "-p", "-t", name], capture_output=True, text=True
                )
                screen = cap.stdout
                if "MF0" in screen:
                    seen = time.perf_counter() - t0
                    break
                if cap.returncode != 0:  # the app exited
                    break
                time.sleep(0.01)
            subprocess.run(base + ["kill-session", "-t", name], capture_output=True)
            if seen is None:
                last = " / ".join(ln.strip() for ln in screen.splitlines() if ln.strip())[:200]
                return times, f"no finding code on screen within {timeout:.0f} s (screen: {last!r})"
            times.append(seen)
    finally:
        subprocess.run(base + ["kill-server"], capture_output=True)
    return times, note


def app_keys(path: Path) -> tuple[dict | None, str | None]:
    """The app's row change and preview after an edit on ``path``: ``bench/app_timing.py`` in a
    fresh process (headless, 120x40, the real cfn-lint); its JSON, or why there is none."""
    if not (ROOT / "tui" / "app.py").exists():
        return None, "skipped: tui/app.py does not exist yet"
    try:
        proc = subprocess.run(
            [PY, str(BENCH / "app_timing.py"), str(path), "--json"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=CHILD_ENV,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT:.0f} s"
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"failed (exit {proc.returncode}): {tail[:200]}"
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


def fmt_s(x: float) -> str:
    return f"{x:.3f}"


def span(s: Series) -> str:
    return f"{fmt_s(min(s.times))}–{fmt_s(max(s.times))}"


def git_head() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "fixers", "tui"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return head + (" (+ uncommitted changes in fixers/ or tui/)" if dirty else "")
    except OSError:
        return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="2 repetitions instead of 5")
    ap.add_argument(
        "--reps", type=int, help="repetitions per command (default 5, or 2 with --quick)"
    )
    ap.add_argument(
        "--markdown", action="store_true", help="print the tables as Markdown on stdout"
    )
    ap.add_argument("--no-folder", action="store_true", help="skip the whole-corpus folder run")
    ap.add_argument(
        "--no-app", action="store_true", help="skip the app measurements (first findings, keys)"
    )
    args = ap.parse_args()
    reps = args.reps or (2 if args.quick else 5)

    work = Path(tempfile.mkdtemp(prefix="mf-bench-"))
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    try:
        gen500 = generate.write(work, 500)
        gen50 = generate.write(work, 50)
        targets: list[tuple[str, Path]] = [("sample", SAMPLE)]
        big = largest_corpus_template()
        if big is not None:
            targets.append((f"corpus largest ({big.relative_to(CORPUS)})", big))
        targets += [("generated 500 resources", gen500), ("generated 50 resources", gen50)]

        # Untimed warm-up: fills the bytecode cache for meridian-fix (its --auto-fix path and
        # the cfn-lint import through it), cfn-lint and ruamel.
        print("  warm-up", file=sys.stderr, flush=True)
        for s in file_series(gen50, work, "warm"):
            run_once(s)
        run_once(Series("app import", [PY, "-c", "import tui.app"]))
        results: dict[str, list[Series]] = {}
        sizes: dict[str, int] = {}
        for i, (name, path) in enumerate(targets):
            sizes[name] = path.stat().st_size
            results[name] = file_series(path, work, f"t{i}")
            alternate(results[name], reps, name)

        folder: list[Series] | None = None
        n_files = 0
        if not args.no_folder and CORPUS.is_dir():
            from tui.cli import expand_paths

            files, _ = expand_paths([str(CORPUS)])
            n_files = len(files)
            folder = [
                Series("cfn-lint FILES", [CFN_LINT, *files]),
                Series("--check DIR", [MF, "--check", str(CORPUS)]),
                Series("ruamel rt load", [PY, "-c", RUAMEL_LOAD, *files]),
            ]
            alternate(folder, max(1, min(reps, 3)), f"corpus folder ({n_files} files)")

        app_times, app_note = (
            ([], "skipped (--no-app)") if args.no_app else first_findings(max(reps, 3))
        )
        # Row change and preview after an edit, on the sample and the 50-resource template.
        keys: list[tuple[str, dict | None, str | None]] = []
        if not args.no_app:
            for name, path in (("sample", SAMPLE), ("generated 50 resources", gen50)):
                print(f"  app keys: {name}", file=sys.stderr, flush=True)
                keys.append((name, *app_keys(path)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # ---- tables --------------------------------------------------------------------------
    def rows_for(group: str, series: list[Series]) -> list[list[str]]:
        lint, lint_cpu = series[0].median, series[0].cpu_median
        rows = []
        for s in series:
            inner = f" (load {fmt_s(s.inner_median)})" if s.inner else ""
            first = s is series[0]
            rc = ",".join(sorted({"timeout" if c == TIMEOUT_RC else str(c) for c in s.rcs}))
            rows.append(
                [
                    group,
                    s.label,
                    fmt_s(s.median) + inner,
                    span(s),
                    "1.00x" if first else f"{s.median / lint:.2f}x",
                    fmt_s(s.cpu_median),
                    "1.00x" if first else f"{s.cpu_median / lint_cpu:.2f}x",
                    f"{s.peak_mb:.0f}",
                    rc,
                ]
            )
        return rows

    timing_rows: list[list[str]] = []
    for name, series in results.items():
        timing_rows += rows_for(f"{name}, {sizes[name] / 1024:.0f} KB", series)
    if folder:
        timing_rows += rows_for(f"corpus folder, {n_files} files", folder)

    goals: list[list[str]] = []

    def goal(
        text: str,
        wall: float | None,
        cpu: float | None,
        limit: float,
        unit: str = "x",
        note: str = "",
        timed_out: bool = False,
    ) -> None:
        bound = ("< " if unit == " MB" else "≤ ") + f"{limit}{unit}"
        if wall is None:
            goals.append([text, "n/a", "", bound, "–", note])
            return
        ok = (wall < limit if unit == " MB" else wall <= limit) and not timed_out
        f = (lambda v: f"{v:.0f}{unit}") if unit in (" MB", " ms") else (lambda v: f"{v:.2f}{unit}")
        goals.append(
            [
                text,
                f(wall) + (" (timed out)" if timed_out else ""),
                f(cpu) if cpu is not None else "",
                bound,
                "PASS" if ok else "FAIL",
                note,
            ]
        )

    for name, series in results.items():
        lint, check, fix_v, _fix_nv, _load = series
        goal(
            f"--check / cfn-lint: {name}",
            check.median / lint.median,
            check.cpu_median / lint.cpu_median,
            0.25,
        )
        goal(
            f"--auto-fix (validate) / cfn-lint: {name}",
            fix_v.median / lint.median,
            fix_v.cpu_median / lint.cpu_median,
            1.5,
            timed_out=fix_v.timed_out,
        )
    if folder:
        goal(
            f"folder --check / cfn-lint over the corpus ({n_files} files)",
            folder[1].median / folder[0].median,
            folder[1].cpu_median / folder[0].cpu_median,
            0.2,
        )
    g500, g50 = results["generated 500 resources"], results["generated 50 resources"]
    goal(
        "500 resources: --auto-fix --no-validate / ruamel rt load (in-process)",
        g500[3].median / g500[4].inner_median,
        None,
        2.0,
        note=f"{fmt_s(g500[3].median)} s vs {fmt_s(g500[4].inner_median)} s; vs ruamel's whole process: "
        f"{g500[3].median / g500[4].median:.2f}x wall, {g500[3].cpu_median / g500[4].cpu_median:.2f}x CPU",
    )
    goal(
        "500 / 50 resources: --auto-fix --no-validate",
        g500[3].median / g50[3].median,
        g500[3].cpu_median / g50[3].cpu_median,
        12.0,
        note=f"{fmt_s(g500[3].median)} s vs {fmt_s(g50[3].median)} s",
    )
    lint_peak = max(s[0].peak_mb for s in results.values())
    goal(
        "peak memory, 500 resources: --auto-fix --no-validate (detect, fix, write)",
        g500[3].peak_mb,
        None,
        400,
        unit=" MB",
        note=f"all its processes; cfn-lint alone on the same file: {g500[0].peak_mb:.0f} MB",
    )
    mf_series = [(n, s) for n, series in results.items() for s in series[1:4]]
    if folder:
        mf_series.append(("the corpus folder", folder[1]))
    where, worst = max(mf_series, key=lambda x: x[1].peak_mb)
    goals.append(
        [
            "peak memory of any meridian-fix run (all its processes)",
            f"{worst.peak_mb:.0f} MB",
            "",
            "–",
            "info",
            f"{worst.label} on {where}: cfn-lint runs in worker processes next to ours "
            f"(see README, Speed); cfn-lint alone peaks at {lint_peak:.0f} MB",
        ]
    )
    if app_times:
        goal(
            "first findings on screen (app, sample, tmux 120x40)",
            statistics.median(app_times),
            None,
            0.6,
            unit=" s",
            note=f"min {min(app_times):.3f}, max {max(app_times):.3f}, n={len(app_times)}",
        )
    else:
        goal(
            "first findings on screen (app, sample, tmux 120x40)",
            None,
            None,
            0.6,
            unit=" s",
            note=app_note or "",
        )

    for name, timing, why in keys:
        where = f"{name}, {timing['lines']} lines" if timing else name
        for key, text, limit in (
            ("row_idle", "row change, idle", 50.0),
            ("row_during_lint", "row change while cfn-lint runs", 50.0),
            ("preview_after_edit", "preview after an edit", None),
        ):
            s = timing[key] if timing else {"n": 0}
            label = f"{text} (app, {where}, 120x40)"
            if not s["n"]:
                goals.append([label, "n/a", "", "–", "info", why or "no sample"])
                continue
            note = f"min {s['min']:.0f}, max {s['max']:.0f}, n={s['n']}"
            if key == "preview_after_edit":
                full = timing["edit_to_next_preview"] if timing else {"n": 0}
                if full["n"]:
                    note += f"; from the a key, edit included: {full['median']:.0f} ms"
            if limit is None:
                goals.append([label, f"{s['median']:.0f} ms", "", "–", "info", note])
            else:
                goal(label, s["median"], None, 50, unit=" ms", note=note)

    commit = git_head()
    env = (
        f"commit {commit}; {time.strftime('%Y-%m-%d')}; load average {os.getloadavg()[0]:.1f}; Python {platform.python_version()}; "
        f"cfn-lint {cfn_lint_version()}; {os.cpu_count()} CPUs; {reps} alternating repetitions per command "
        f"({max(1, min(reps, 3))} for the folder)"
    )
    t_head = [
        "target",
        "command",
        "median wall s",
        "min–max s",
        "wall vs cfn-lint",
        "median CPU s",
        "CPU vs cfn-lint",
        "peak MB",
        "exit",
    ]
    g_head = ["goal", "measured (wall)", "CPU", "target", "", "detail"]
    if args.markdown:
        print(f"Measured on {env}.\n")
        print(md_table(g_head, goals))
        print()
        print(md_table(t_head, timing_rows))
    else:
        print_tables(env, t_head, timing_rows, g_head, goals)
    for name, series in [*results.items(), ("corpus folder", folder or [])]:
        for s in series:
            if (
                s.label != "cfn-lint"
                and not s.label.startswith("cfn-lint")
                and any(c not in (0, 1) for c in s.rcs)
            ):
                print(
                    f"note: {name} / {s.label} exited {s.rcs}: {s.stderr_tail!r}", file=sys.stderr
                )
    return 0


def cfn_lint_version() -> str:
    try:
        from importlib.metadata import version

        return version("cfn-lint")
    except Exception:  # noqa: BLE001 - the report says "?" rather than fail
        return "?"


def md_table(head: list[str], rows: list[list[str]]) -> str:
    esc = lambda c: c.replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def print_tables(env: str, t_head, t_rows, g_head, g_rows) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(env)
        print(md_table(g_head, g_rows))
        print(md_table(t_head, t_rows))
        return
    console = Console()
    console.print(env)
    g = Table(title="Goals (ratios on the same files in the same run)")
    for h in g_head:
        g.add_column(h)
    for r in g_rows:
        style = "green" if r[4] == "PASS" else "red" if r[4] == "FAIL" else "dim"
        g.add_row(*r, style=style)
    console.print(g)
    t = Table(title="Timings (whole processes)")
    for h in t_head:
        t.add_column(h, justify="right" if h not in ("target", "command") else "left")
    for r in t_rows:
        t.add_row(*r)
    console.print(t)


if __name__ == "__main__":
    sys.exit(main())
