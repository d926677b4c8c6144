"""Real process deaths during writes: the file must always be exactly old or new.

A child process (``sys.executable -c``) rewrites a multi-megabyte template
in a loop with ``atomic_write`` (or ``write_new``) and is killed with SIGKILL
after a random delay; after each kill the file must hold exactly one of the
payloads, and ``clear_stale_temporaries`` must clear whatever temporary file
the dead writer left behind.  A second set of tests makes the child
``os._exit`` at each fault-injection point, so every step is hit for sure.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixers import fileio
from fixers.fileio import clear_stale_temporaries

pytestmark = pytest.mark.slow

REPO = str(Path(__file__).resolve().parents[1])
KILLS_ATOMIC = 40
KILLS_WRITE_NEW = 20
MAX_DELAY_S = 0.050
# Payloads of a few MB (under MAX_TEMPLATE_BYTES so the child can read them
# back) widen the window in which a kill lands mid-write.
SIZE_A = 3 * 1024 * 1024
SIZE_B = 4 * 1024 * 1024 + 12345


def payload(tag: bytes, size: int) -> bytes:
    line = b"# " + tag + b" " + b"x" * 60 + b"\r\n"
    return (line * (size // len(line) + 1))[:size]


A = payload(b"A", SIZE_A)
B = payload(b"B", SIZE_B)

CHILD_PRELUDE = f"""
import os, sys
sys.path.insert(0, {REPO!r})
from fixers import fileio

def payload(tag, size):
    line = b"# " + tag + b" " + b"x" * 60 + b"\\r\\n"
    return (line * (size // len(line) + 1))[:size]

A = payload(b"A", {SIZE_A})
B = payload(b"B", {SIZE_B})
target = sys.argv[1]
"""

LOOP_ATOMIC = (
    CHILD_PRELUDE
    + """
sys.stdout.write("ready\\n"); sys.stdout.flush()
while True:
    snap = fileio.read_template_bytes(target)
    fileio.atomic_write(snap, B if snap.data == A else A)
"""
)

LOOP_WRITE_NEW = (
    CHILD_PRELUDE
    + """
sys.stdout.write("ready\\n"); sys.stdout.flush()
i = 0
while True:
    fileio.write_new(target, B if i % 2 == 0 else A)
    i += 1
"""
)

EXIT_AT = (
    CHILD_PRELUDE
    + """
point = sys.argv[2]
func = sys.argv[3]

def hook(name):
    if name == point:
        os._exit(77)

fileio._step = hook
if func == "atomic_write":
    fileio.atomic_write(fileio.read_template_bytes(target), B)
else:
    fileio.write_new(target, B)
os._exit(0)
"""
)


def temporaries(folder: Path) -> list[str]:
    pat = fileio.temporary_name_pattern()
    return sorted(n for n in os.listdir(folder) if pat.match(n))


def kill_loop(
    tmp_path: Path, label: str, script: str, kills: int, create_first: bool
) -> dict[str, int]:
    target = tmp_path / "template.yaml"
    if create_first:
        target.write_bytes(A)
    rng = random.Random(20241128)
    counts = {"kills": 0, "old_a": 0, "new_b": 0, "missing": 0, "leftover_tmp": 0, "cleared": 0}
    deadline = time.monotonic() + 25
    for _ in range(kills):
        assert time.monotonic() < deadline, f"kill loop too slow: {counts}"
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(target)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            line = proc.stdout.readline()
            assert line == b"ready\n", proc.stderr.read().decode(errors="replace")
            time.sleep(rng.uniform(0, MAX_DELAY_S))
            # The child may only have died by our signal: a write error would
            # show up here as an exit code instead of -SIGKILL.
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
            proc.send_signal(signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()  # reaped: its pid no longer runs
            proc.stdout.close()
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        counts["kills"] += 1
        if target.exists():
            got = target.read_bytes()
            assert got in (A, B), f"corrupt after kill {counts['kills']}: {len(got)} bytes"
            counts["old_a" if got == A else "new_b"] += 1
        else:
            # Only write_new, killed before its first rename, may leave no file.
            assert not create_first
            counts["missing"] += 1
        left = temporaries(tmp_path)
        if left:
            counts["leftover_tmp"] += 1
            removed = clear_stale_temporaries(tmp_path)
            counts["cleared"] += len(removed)
            assert sorted(os.path.basename(r) for r in removed) == left
        assert temporaries(tmp_path) == []
    print(f"\n{label} kill counts: {counts}")
    return counts


def test_sigkill_during_atomic_write_loop(tmp_path):
    counts = kill_loop(tmp_path, "atomic_write", LOOP_ATOMIC, KILLS_ATOMIC, create_first=True)
    assert counts["kills"] == KILLS_ATOMIC
    assert counts["old_a"] + counts["new_b"] == KILLS_ATOMIC


def test_sigkill_during_write_new_loop(tmp_path):
    counts = kill_loop(tmp_path, "write_new", LOOP_WRITE_NEW, KILLS_WRITE_NEW, create_first=False)
    assert counts["kills"] == KILLS_WRITE_NEW


@pytest.mark.parametrize("func", ["atomic_write", "write_new"])
@pytest.mark.parametrize("point", fileio.STEPS)
def test_os_exit_at_each_step(tmp_path, point, func):
    target = tmp_path / "template.yaml"
    target.write_bytes(A)
    os.chmod(target, 0o640)
    proc = subprocess.Popen(
        [sys.executable, "-c", EXIT_AT, str(target), point, func],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 77, err.decode(errors="replace")
    got = target.read_bytes()
    assert got == (B if point == "after_rename" else A)
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o640)
    left = temporaries(tmp_path)
    if point == "after_rename":
        assert left == []  # the temporary became the target
    else:
        # os._exit skips every cleanup: exactly one leftover, named for the dead pid.
        assert len(left) == 1
        m = fileio.temporary_name_pattern().match(left[0])
        assert m and int(m.group(1)) == proc.pid
        assert left[0].startswith(".template.yaml.meridian-fix-")
    removed = clear_stale_temporaries(tmp_path)
    assert sorted(os.path.basename(r) for r in removed) == left
    assert temporaries(tmp_path) == []
    assert target.read_bytes() == got  # cleanup never touches the target
