"""Fast tests of fixers.fileio: reading, decoding, atomic writing, injected failures.

The tests run as root in CI containers, where permission bits do not stop
reads or writes.  Where that matters the test uses a way that binds root too
(a forked child that drops to ``nobody``, the immutable attribute via
``chattr +i``) and skips only when that way is unavailable, saying why.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys

import pytest

from fixers import fileio
from fixers.fileio import (
    MAX_TEMPLATE_BYTES,
    FileError,
    Snapshot,
    atomic_write,
    clear_stale_temporaries,
    decode_text,
    read_template_bytes,
    write_new,
)

OLD = b"Resources:\r\n  Bucket:\r\n    Type: AWS::S3::Bucket\r\n"
NEW = b"Resources:\r\n  Bucket:\r\n    Type: AWS::S3::Bucket\r\n    Properties: {}\r\n"

IS_ROOT = os.geteuid() == 0


def temporaries(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if fileio.temporary_name_pattern().match(n))


def make(path, data: bytes = OLD, mode: int | None = None):
    path.write_bytes(data)
    if mode is not None:
        os.chmod(path, mode)
    return path


def snap(data: bytes, path: str = "t.yaml") -> Snapshot:
    return Snapshot(path, path, data, 0, len(data), 0, 0o100644)


def _chattr(flag: str, path) -> bool:
    if shutil.which("chattr") is None:
        return False
    r = subprocess.run(["chattr", flag, str(path)], capture_output=True)
    return r.returncode == 0


@pytest.fixture
def immutable():
    """Set the immutable attribute (binds root too); undone at teardown."""
    done = []

    def set_(path):
        if not _chattr("+i", path):
            pytest.skip(
                "chattr +i unavailable here (no chattr, no CAP_LINUX_IMMUTABLE "
                "or a filesystem without the attribute)"
            )
        done.append(path)

    yield set_
    for p in done:
        _chattr("-i", p)


# --------------------------------------------------------------------------- errors


def test_file_error_is_one_line_with_path():
    err = FileError("templates/a.yaml", "not readable: Permission denied")
    assert str(err) == "templates/a.yaml: not readable: Permission denied"
    assert err.path == "templates/a.yaml"
    assert err.message == "not readable: Permission denied"
    assert isinstance(err, Exception)


def test_max_template_bytes():
    assert MAX_TEMPLATE_BYTES == 5 * 1024 * 1024


# --------------------------------------------------------------------------- reading


def test_read_returns_snapshot(tmp_path):
    p = make(tmp_path / "a.yaml", mode=0o640)
    s = read_template_bytes(str(p))
    st = os.stat(p)
    assert s.path == str(p)
    assert s.real_path == os.path.realpath(p)
    assert s.data == OLD
    assert (s.size, s.mtime_ns, s.inode, s.mode) == (
        st.st_size,
        st.st_mtime_ns,
        st.st_ino,
        st.st_mode,
    )
    assert stat.S_IMODE(s.mode) == 0o640
    assert "data" not in repr(s)  # 5 MB of bytes must not end up in a traceback
    with pytest.raises(AttributeError):
        s.data = b""  # frozen


def test_read_accepts_pathlike(tmp_path):
    p = make(tmp_path / "a.yaml")
    assert read_template_bytes(p).path == str(p)


def test_read_missing_file(tmp_path):
    p = tmp_path / "missing.yaml"
    with pytest.raises(FileError) as ei:
        read_template_bytes(str(p))
    assert str(ei.value) == f"{p}: no such file"
    assert ei.value.path == str(p)


def test_read_directory(tmp_path):
    with pytest.raises(FileError) as ei:
        read_template_bytes(str(tmp_path))
    assert str(ei.value) == f"{tmp_path}: is a directory"


def test_read_fifo_refused_without_blocking(tmp_path):
    p = tmp_path / "pipe.yaml"
    os.mkfifo(p)
    with pytest.raises(FileError, match="not a regular file"):
        read_template_bytes(str(p))


def test_read_walks_through_a_file(tmp_path):
    # A folder-walk error (a path component is a file): reported with the OS reason.
    make(tmp_path / "a.yaml")
    p = tmp_path / "a.yaml" / "b.yaml"
    with pytest.raises(FileError) as ei:
        read_template_bytes(str(p))
    assert str(ei.value) == f"{p}: not readable: Not a directory"


def test_read_symlink_loop(tmp_path):
    p = tmp_path / "loop.yaml"
    os.symlink("loop.yaml", p)
    with pytest.raises(FileError, match="not readable: Too many levels of symbolic links"):
        read_template_bytes(str(p))


def test_read_dangling_symlink(tmp_path):
    p = tmp_path / "dangling.yaml"
    os.symlink("nowhere.yaml", p)
    with pytest.raises(FileError, match="no such file"):
        read_template_bytes(str(p))


def test_read_unreadable_file_non_root(tmp_path):
    if IS_ROOT:
        pytest.skip("root reads chmod 000 files; covered by the test that drops to nobody")
    p = make(tmp_path / "secret.yaml", mode=0o000)
    with pytest.raises(FileError) as ei:
        read_template_bytes(str(p))
    assert str(ei.value) == f"{p}: not readable: Permission denied"


def test_read_unreadable_file_as_root_via_nobody(tmp_path):
    """Root ignores chmod 000, so a forked child drops to nobody and reads."""
    if not IS_ROOT:
        pytest.skip("only meaningful as root (the non-root test covers chmod 000)")
    make(tmp_path / "secret.yaml", mode=0o000)
    os.chmod(tmp_path, 0o755)  # nobody may enter the folder, not read the file
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: no pytest machinery beyond this point
        code = 3
        try:
            os.close(r)
            os.chdir(tmp_path)  # relative path: no need to traverse /tmp/pytest-of-root
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                read_template_bytes("secret.yaml")
                msg = "READ"
            except FileError as exc:
                msg = str(exc)
            os.write(w, msg.encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read().decode()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        pytest.skip("cannot drop privileges to nobody here")
    assert out == "secret.yaml: not readable: Permission denied"


def test_read_over_size(tmp_path):
    p = tmp_path / "big.yaml"
    with open(p, "wb") as f:
        f.truncate(MAX_TEMPLATE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(FileError) as ei:
        read_template_bytes(str(p))
    assert str(ei.value) == (
        f"{p}: too large: {MAX_TEMPLATE_BYTES + 1} bytes (limit {MAX_TEMPLATE_BYTES} bytes)"
    )


def test_read_exactly_max_size(tmp_path):
    p = tmp_path / "max.yaml"
    with open(p, "wb") as f:
        f.truncate(MAX_TEMPLATE_BYTES)
    assert read_template_bytes(str(p)).size == MAX_TEMPLATE_BYTES


def test_read_empty_file(tmp_path):
    p = make(tmp_path / "empty.yaml", b"")
    s = read_template_bytes(str(p))
    assert s.data == b"" and s.size == 0
    assert decode_text(s) == ("", False)


# --------------------------------------------------------------------------- decoding


def test_decode_binary(tmp_path):
    p = make(tmp_path / "a.yaml", b"PK\x03\x04\x00\x00junk")
    with pytest.raises(FileError) as ei:
        decode_text(read_template_bytes(str(p)))
    assert str(ei.value) == f"{p}: binary file (NUL byte at byte 4)"


def test_decode_not_utf8_names_offset():
    with pytest.raises(FileError) as ei:
        decode_text(snap(b"Name: caf\xe9\n"))
    assert str(ei.value) == "t.yaml: not valid UTF-8 at byte 9 (0xe9)"


def test_decode_not_utf8_offset_counts_bom():
    with pytest.raises(FileError, match=r"not valid UTF-8 at byte 5 \(0xff\)"):
        decode_text(snap(b"\xef\xbb\xbfab\xff"))


def test_decode_truncated_sequence_at_end():
    with pytest.raises(FileError, match="not valid UTF-8 at byte 2"):
        decode_text(snap(b"ab\xe2\x82"))


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xfea\x00", "UTF-16"),
        (b"\xfe\xff\x00a", "UTF-16"),
        (b"\xff\xfe\x00\x00a\x00\x00\x00", "UTF-32"),
    ],
)
def test_decode_utf16_utf32_named(data, kind):
    with pytest.raises(FileError, match=f"{kind} text is not supported"):
        decode_text(snap(data))


def test_decode_bom_stripped_and_reported(tmp_path):
    p = make(tmp_path / "a.yaml", b"\xef\xbb\xbfKey: \xc3\xa9\n")
    assert decode_text(read_template_bytes(str(p))) == ("Key: \u00e9\n", True)
    p2 = make(tmp_path / "b.yaml", b"Key: 1\n")
    assert decode_text(read_template_bytes(str(p2))) == ("Key: 1\n", False)


def test_crlf_preserved_byte_for_byte(tmp_path):
    raw = b"\xef\xbb\xbfA: 1\r\nB: |\r\n  x\r\n  y\n\rC: 3\r\n"
    p = make(tmp_path / "a.yaml", raw)
    s = read_template_bytes(str(p))
    assert s.data == raw
    text, bom = decode_text(s)
    assert "\r\n" in text and "\n\r" in text
    atomic_write(s, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    assert p.read_bytes() == raw


# --------------------------------------------------------------------------- writing


def test_atomic_write_replaces_content(tmp_path):
    p = make(tmp_path / "a.yaml")
    atomic_write(read_template_bytes(str(p)), NEW)
    assert p.read_bytes() == NEW
    assert temporaries(tmp_path) == []


def test_atomic_write_rejects_str(tmp_path):
    p = make(tmp_path / "a.yaml")
    with pytest.raises(TypeError):
        atomic_write(read_template_bytes(str(p)), NEW.decode())  # type: ignore[arg-type]
    assert p.read_bytes() == OLD


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o755, 0o664])
def test_permissions_kept(tmp_path, mode):
    p = make(tmp_path / "a.yaml", mode=mode)
    atomic_write(read_template_bytes(str(p)), NEW)
    assert stat.S_IMODE(os.stat(p).st_mode) == mode
    assert p.read_bytes() == NEW


def test_owner_kept_as_root(tmp_path):
    if not IS_ROOT:
        pytest.skip("only root can give a file to another owner")
    p = make(tmp_path / "a.yaml", mode=0o640)
    os.chown(p, 1234, 5678)
    atomic_write(read_template_bytes(str(p)), NEW)
    st = os.stat(p)
    assert (st.st_uid, st.st_gid) == (1234, 5678)
    assert stat.S_IMODE(st.st_mode) == 0o640


def test_symlink_written_through(tmp_path, monkeypatch):
    real_dir = tmp_path / "real"
    link_dir = tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    target = make(real_dir / "t.yaml", mode=0o640)
    link = link_dir / "t.yaml"
    os.symlink(os.path.join("..", "real", "t.yaml"), link)
    s = read_template_bytes(str(link))
    assert s.path == str(link)
    assert s.real_path == str(target.resolve())
    seen = []

    def spy(name):
        if name == "created":
            seen.append((temporaries(real_dir), temporaries(link_dir)))

    monkeypatch.setattr(fileio, "_step", spy)
    atomic_write(s, NEW)
    assert seen and len(seen[0][0]) == 1 and seen[0][1] == []  # temp beside the target
    assert os.path.islink(link)
    assert os.readlink(link) == os.path.join("..", "real", "t.yaml")
    assert target.read_bytes() == NEW
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert temporaries(real_dir) == [] and temporaries(link_dir) == []


def test_temporary_name_and_mode(tmp_path, monkeypatch):
    p = make(tmp_path / "a.yaml", mode=0o640)
    seen = {}

    def spy(name):
        if name == "written":
            (tmp,) = temporaries(tmp_path)
            seen["name"] = tmp
            seen["mode"] = stat.S_IMODE(os.stat(tmp_path / tmp).st_mode)

    monkeypatch.setattr(fileio, "_step", spy)
    atomic_write(read_template_bytes(str(p)), NEW)
    m = fileio.temporary_name_pattern().match(seen["name"])
    assert seen["name"].startswith(".a.yaml.meridian-fix-")
    assert m and int(m.group(1)) == os.getpid()
    assert seen["mode"] == 0o640


def test_read_only_file_refused_by_mode(tmp_path):
    # No write bit for anyone: refused even as root, who could otherwise write it.
    p = make(tmp_path / "a.yaml", mode=0o444)
    s = read_template_bytes(str(p))
    with pytest.raises(FileError) as ei:
        atomic_write(s, NEW)
    assert str(ei.value) == f"{p}: read-only file"
    assert p.read_bytes() == OLD
    assert temporaries(tmp_path) == []


def test_read_only_file_refused_immutable(tmp_path, immutable):
    # chattr +i binds root too (chmod does not).
    p = make(tmp_path / "a.yaml", mode=0o644)
    s = read_template_bytes(str(p))
    immutable(p)
    with pytest.raises(FileError) as ei:
        atomic_write(s, NEW)
    assert str(ei.value) == f"{p}: read-only file"
    assert p.read_bytes() == OLD
    assert temporaries(tmp_path) == []


def test_folder_not_writable_refused(tmp_path, immutable):
    d = tmp_path / "ro"
    d.mkdir()
    p = make(d / "a.yaml")
    s = read_template_bytes(str(p))
    if IS_ROOT:
        immutable(d)  # chmod 555 does not stop root; the immutable attribute does
    else:
        os.chmod(d, 0o555)
    try:
        with pytest.raises(FileError) as ei:
            atomic_write(s, NEW)
        assert str(ei.value).startswith(f"{p}: folder not writable")
        assert p.read_bytes() == OLD
        assert temporaries(d) == []
    finally:
        if not IS_ROOT:
            os.chmod(d, 0o755)  # (the immutable fixture undoes chattr itself)


def test_folder_not_writable_refused_for_write_new(tmp_path, immutable):
    d = tmp_path / "ro"
    d.mkdir()
    if IS_ROOT:
        immutable(d)
    else:
        os.chmod(d, 0o555)
    try:
        with pytest.raises(FileError, match="folder not writable"):
            write_new(str(d / "out.yaml"), NEW)
        assert os.listdir(d) == []
    finally:
        if not IS_ROOT:
            os.chmod(d, 0o755)  # (the immutable fixture undoes chattr itself)


# --------------------------------------------------------------------------- changed on disk


def _changed(p, s: Snapshot):
    with pytest.raises(FileError) as ei:
        atomic_write(s, NEW)
    assert ei.value.path == s.path
    assert "changed on disk since it was read" in str(ei.value)
    assert temporaries(p.parent) == []
    return str(ei.value)


def test_changed_content_same_size_same_mtime(tmp_path):
    p = make(tmp_path / "a.yaml")
    s = read_template_bytes(str(p))
    p.write_bytes(OLD.replace(b"S3", b"s3"))
    os.utime(p, ns=(s.mtime_ns, s.mtime_ns))
    assert "content differs" in _changed(p, s)
    assert p.read_bytes() == OLD.replace(b"S3", b"s3")


def test_changed_size(tmp_path):
    p = make(tmp_path / "a.yaml")
    s = read_template_bytes(str(p))
    p.write_bytes(OLD + b"# more\n")
    assert "size" in _changed(p, s)
    assert p.read_bytes() == OLD + b"# more\n"


def test_changed_mtime_only(tmp_path):
    p = make(tmp_path / "a.yaml")
    s = read_template_bytes(str(p))
    os.utime(p, ns=(s.mtime_ns + 10**9, s.mtime_ns + 10**9))
    assert "modification time" in _changed(p, s)


def test_changed_inode(tmp_path):
    p = make(tmp_path / "a.yaml")
    s = read_template_bytes(str(p))
    other = make(tmp_path / "other", OLD)
    os.utime(other, ns=(s.mtime_ns, s.mtime_ns))
    os.replace(other, p)  # same bytes, same mtime, another file
    assert "replaced by another file" in _changed(p, s)


def test_changed_deleted(tmp_path):
    p = make(tmp_path / "a.yaml")
    s = read_template_bytes(str(p))
    p.unlink()
    assert "deleted" in _changed(p, s)
    assert not p.exists()


def test_changed_symlink_retargeted(tmp_path):
    make(tmp_path / "one.yaml")
    make(tmp_path / "two.yaml")
    link = tmp_path / "link.yaml"
    os.symlink("one.yaml", link)
    s = read_template_bytes(str(link))
    link.unlink()
    os.symlink("two.yaml", link)
    assert "now resolves to" in _changed(tmp_path / "two.yaml", s)
    assert (tmp_path / "one.yaml").read_bytes() == OLD
    assert (tmp_path / "two.yaml").read_bytes() == OLD


def test_change_during_write_caught_before_rename(tmp_path, monkeypatch):
    """Another editor saves while the temporary file is being written."""
    p = make(tmp_path / "a.yaml")
    s = read_template_bytes(str(p))
    theirs = b"their edit\n"

    def other_editor(name):
        if name == "written":
            p.write_bytes(theirs)

    monkeypatch.setattr(fileio, "_step", other_editor)
    _changed(p, s)
    assert p.read_bytes() == theirs


def test_check_unchanged_false_overwrites(tmp_path):
    p = make(tmp_path / "a.yaml", mode=0o640)
    s = read_template_bytes(str(p))
    p.write_bytes(b"changed\n")
    atomic_write(s, NEW, check_unchanged=False)
    assert p.read_bytes() == NEW
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640


def test_check_unchanged_false_recreates_deleted_file(tmp_path):
    p = make(tmp_path / "a.yaml", mode=0o640)
    s = read_template_bytes(str(p))
    p.unlink()
    atomic_write(s, NEW, check_unchanged=False)
    assert p.read_bytes() == NEW
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640


def test_successive_writes_with_fresh_snapshots(tmp_path):
    p = make(tmp_path / "a.yaml")
    for i in range(5):
        atomic_write(read_template_bytes(str(p)), NEW + b"# %d\n" % i)
    assert p.read_bytes() == NEW + b"# 4\n"
    s = read_template_bytes(str(p))
    atomic_write(s, OLD)
    with pytest.raises(FileError, match="changed on disk"):
        atomic_write(s, NEW)  # the snapshot is stale after our own write


# --------------------------------------------------------------------------- write_new


def test_write_new_creates_with_default_mode(tmp_path):
    out = tmp_path / "out.yaml"
    umask = os.umask(0o022)
    try:
        write_new(str(out), NEW)
    finally:
        os.umask(umask)
    assert out.read_bytes() == NEW
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert temporaries(tmp_path) == []


def test_write_new_replaces_and_keeps_mode(tmp_path):
    out = make(tmp_path / "out.yaml", mode=0o600)
    write_new(out, NEW)
    assert out.read_bytes() == NEW
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_write_new_through_symlink(tmp_path):
    target = make(tmp_path / "t.yaml")
    link = tmp_path / "out.yaml"
    os.symlink("t.yaml", link)
    write_new(str(link), NEW)
    assert os.path.islink(link) and target.read_bytes() == NEW


def test_write_new_refuses_directory_and_missing_folder(tmp_path):
    with pytest.raises(FileError, match="is a directory"):
        write_new(str(tmp_path), NEW)
    with pytest.raises(FileError, match="folder does not exist"):
        write_new(str(tmp_path / "nope" / "out.yaml"), NEW)


def test_write_new_refuses_read_only_file(tmp_path):
    out = make(tmp_path / "out.yaml", mode=0o444)
    with pytest.raises(FileError, match="read-only file"):
        write_new(str(out), NEW)
    assert out.read_bytes() == OLD


# --------------------------------------------------------------------------- injected failures


class Injected(Exception):
    pass


def _raise_at(point: str, exc: BaseException):
    def hook(name):
        if name == point:
            raise exc

    return hook


@pytest.mark.parametrize("point", fileio.STEPS)
@pytest.mark.parametrize(
    "exc_factory",
    [
        lambda: Injected("boom"),
        KeyboardInterrupt,
        lambda: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
    ],
    ids=["exception", "interrupt", "enospc"],
)
def test_atomic_write_injected_failure(tmp_path, monkeypatch, point, exc_factory):
    p = make(tmp_path / "a.yaml", mode=0o640)
    s = read_template_bytes(str(p))
    exc = exc_factory()
    monkeypatch.setattr(fileio, "_step", _raise_at(point, exc))
    expected = FileError if isinstance(exc, OSError) else type(exc)
    with pytest.raises(expected) as ei:
        atomic_write(s, NEW)
    if isinstance(exc, OSError):
        if point == "after_rename":
            assert "written, but syncing its folder failed" in str(ei.value)
        else:
            assert str(ei.value) == f"{p}: write failed: No space left on device"
    got = p.read_bytes()
    assert got == (NEW if point == "after_rename" else OLD)
    assert got in (OLD, NEW)
    assert temporaries(tmp_path) == []
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640


@pytest.mark.parametrize("point", fileio.STEPS)
@pytest.mark.parametrize("exists", [True, False], ids=["replace", "create"])
def test_write_new_injected_failure(tmp_path, monkeypatch, point, exists):
    out = tmp_path / "out.yaml"
    if exists:
        make(out)
    monkeypatch.setattr(fileio, "_step", _raise_at(point, Injected("boom")))
    with pytest.raises(Injected):
        write_new(str(out), NEW)
    if point == "after_rename":
        assert out.read_bytes() == NEW
    elif exists:
        assert out.read_bytes() == OLD
    else:
        assert not out.exists()
    assert temporaries(tmp_path) == []


def test_steps_are_called_in_order(tmp_path, monkeypatch):
    p = make(tmp_path / "a.yaml")
    seen = []
    monkeypatch.setattr(fileio, "_step", seen.append)
    atomic_write(read_template_bytes(str(p)), NEW)
    assert tuple(seen) == fileio.STEPS


def test_partial_step_sees_half_the_bytes(tmp_path, monkeypatch):
    p = make(tmp_path / "a.yaml")
    sizes = []

    def hook(name):
        if name == "partial":
            (tmp,) = temporaries(tmp_path)
            sizes.append(os.path.getsize(tmp_path / tmp))

    monkeypatch.setattr(fileio, "_step", hook)
    atomic_write(read_template_bytes(str(p)), NEW)
    assert sizes == [len(NEW) // 2]


# --------------------------------------------------------------------------- cleanup


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_clear_stale_temporaries(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".a.yaml.meridian-fix-{dead}-0123abcd.tmp"
    mine = tmp_path / f".a.yaml.meridian-fix-{os.getpid()}-0123abcd.tmp"
    running = tmp_path / ".b.yaml.meridian-fix-1-deadbeef.tmp"  # pid 1 always runs
    unrelated = [
        tmp_path / "a.yaml",
        tmp_path / f".a.yaml.meridian-fix-{dead}-0123abcd.tmp.bak",
        tmp_path / f"a.yaml.meridian-fix-{dead}-0123abcd.tmp",
        tmp_path / ".a.yaml.swp",
    ]
    for f in [stale, mine, running, *unrelated]:
        f.write_bytes(b"x")
    (tmp_path / f".d.meridian-fix-{dead}-00.tmp").mkdir()
    removed = clear_stale_temporaries(str(tmp_path))
    assert removed == [str(stale)]
    assert not stale.exists()
    assert mine.exists() and running.exists()
    assert all(f.exists() for f in unrelated)
    assert (tmp_path / f".d.meridian-fix-{dead}-00.tmp").is_dir()


def test_clear_stale_temporaries_missing_folder(tmp_path):
    assert clear_stale_temporaries(tmp_path / "nope") == []
