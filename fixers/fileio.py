"""Safe reading and writing of template files (stdlib only, no UI).

meridian-fix edits users' CloudFormation templates in place, so this module
holds to one rule: a file is never lost or left half-written.

Reading
    ``read_template_bytes`` returns a :class:`Snapshot`: the exact bytes read
    plus the size, mtime, inode and mode they came with.  It follows symlinks
    (``real_path`` is the resolved target) and refuses directories and other
    non-regular files, files over :data:`MAX_TEMPLATE_BYTES` and unreadable
    files.  ``decode_text`` turns the bytes into text: the UTF-8 BOM is removed
    and reported, invalid UTF-8 is reported with its byte offset, NUL bytes
    mean "binary file".  Nothing translates newlines: files are opened in
    binary mode, so CRLF files stay CRLF byte for byte.

Writing
    ``atomic_write`` replaces the file a snapshot was read from.  It refuses
    when the file changed on disk since the snapshot (size, mtime, inode or
    content), when the file is read-only, or when its folder is not writable.
    The new bytes go to a temporary file in the same folder as the target
    (``.<name>.meridian-fix-<pid>-<random>.tmp``), created with the original's
    permission bits (and owner, when running as root), fsynced, then
    ``os.replace``-d onto the target; the folder is fsynced afterwards.
    A symlink is written through: the target is replaced, the link stays a
    link.  On any exception the temporary file is removed and the target
    holds exactly its old bytes (or, if the failure comes after the rename,
    exactly the new ones).  If the process is killed outright, the target is
    still old-or-new and at most a temporary file is left behind;
    ``clear_stale_temporaries`` removes those left by processes that are no
    longer running.

    ``write_new`` writes an output file (``-o OUT``) the same atomic way,
    creating or replacing it without a snapshot.

    Known limits: a replaced file gets a new inode, so other hard links to it
    keep the old content; extended attributes (ACLs, SELinux labels) are
    copied best effort only.  Nothing locks the file: the unchanged check
    runs just before the rename, which narrows but cannot close the window
    for a concurrent editor.

Fault injection
    Every write step calls the module-level ``_step(name)`` with one of
    :data:`STEPS`.  It does nothing; tests monkeypatch it to raise or to
    ``os._exit`` at a precise point.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from dataclasses import dataclass, field

__all__ = [
    "MAX_TEMPLATE_BYTES",
    "STEPS",
    "FileError",
    "Snapshot",
    "atomic_write",
    "clear_stale_temporaries",
    "decode_text",
    "read_template_bytes",
    "temporary_name_pattern",
    "write_new",
]

#: Largest template we read.  CloudFormation itself accepts at most 1 MB from
#: S3 (51,200 bytes inline), so a larger file is not a deployable template;
#: 5 MB leaves room for templates that are pre-processed before deployment
#: (SAM, macros, generated includes) while refusing accidents such as a
#: log file, an archive or a disk image passed by mistake.
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024

#: Fault-injection points, in the order a write passes them.
STEPS = ("created", "partial", "written", "before_rename", "after_rename")

_TMP_MARK = ".meridian-fix-"
_TMP_RE = re.compile(r"^\..+\.meridian-fix-(\d+)-[0-9a-f]+\.tmp$")
_BOM = b"\xef\xbb\xbf"
_READ_RETRIES = 3


def _step(name: str) -> None:
    """Fault-injection hook called at each write step; a no-op in normal runs."""


class FileError(Exception):
    """A file could not be read or written; ``str(err)`` is the line a user sees.

    ``path`` is the path as the caller gave it, ``message`` the reason alone,
    e.g. ``FileError("templates/a.yaml", "not readable: Permission denied")``
    prints as ``templates/a.yaml: not readable: Permission denied``.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Snapshot:
    """What was read, to write it back and to detect a change on disk first.

    ``path`` is the path as given, ``real_path`` the file it resolves to
    (symlinks followed), ``data`` the exact bytes read; ``mtime_ns``,
    ``size``, ``inode`` and ``mode`` (full ``st_mode``) come from the same
    open file.
    """

    path: str
    real_path: str
    data: bytes = field(repr=False)  # up to 5 MB: keep it out of reprs
    mtime_ns: int
    size: int
    inode: int
    mode: int


def temporary_name_pattern() -> re.Pattern[str]:
    """The regex temporary files match; group 1 is the writer's pid."""
    return _TMP_RE


# --------------------------------------------------------------------------- reading


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _read_error(path: str, exc: OSError) -> FileError:
    if exc.errno == errno.ENOENT:
        return FileError(path, "no such file")
    if exc.errno == errno.EISDIR:
        return FileError(path, "is a directory")
    return FileError(path, f"not readable: {_reason(exc)}")


def _check_kind(path: str, st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise FileError(path, "is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise FileError(path, "not a regular file")
    if st.st_size > MAX_TEMPLATE_BYTES:
        raise FileError(path, f"too large: {st.st_size} bytes (limit {MAX_TEMPLATE_BYTES} bytes)")


def _same_file_state(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_ino, a.st_dev, a.st_size, a.st_mtime_ns) == (
        b.st_ino,
        b.st_dev,
        b.st_size,
        b.st_mtime_ns,
    )


def _read_fd(path: str, fd: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, 1024 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > MAX_TEMPLATE_BYTES:
            raise FileError(path, f"too large: more than {MAX_TEMPLATE_BYTES} bytes")
        chunks.append(chunk)


def read_template_bytes(path: str | os.PathLike[str]) -> Snapshot:
    """Read a template file whole, following symlinks; raise FileError if unsuitable."""
    p = os.fspath(path)
    try:
        # stat before open: opening a FIFO or device could block or have effects.
        _check_kind(p, os.stat(p))
        real = os.path.realpath(p, strict=True)
    except OSError as exc:
        raise _read_error(p, exc) from exc
    for _ in range(_READ_RETRIES):
        try:
            fd = os.open(real, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError as exc:
            raise _read_error(p, exc) from exc
        try:
            before = os.fstat(fd)
            _check_kind(p, before)
            data = _read_fd(p, fd)
            after = os.fstat(fd)
        except OSError as exc:
            raise _read_error(p, exc) from exc
        finally:
            os.close(fd)
        if _same_file_state(before, after) and len(data) == after.st_size:
            return Snapshot(
                path=p,
                real_path=real,
                data=data,
                mtime_ns=after.st_mtime_ns,
                size=after.st_size,
                inode=after.st_ino,
                mode=after.st_mode,
            )
    raise FileError(p, "not readable: the file kept changing while it was read")


def decode_text(snapshot: Snapshot) -> tuple[str, bool]:
    """Return ``(text, had_bom)``: the UTF-8 text without its BOM, newlines untouched."""
    data = snapshot.data
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise FileError(snapshot.path, "UTF-32 text is not supported: convert it to UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(snapshot.path, "UTF-16 text is not supported: convert it to UTF-8")
    nul = data.find(b"\x00")
    if nul != -1:
        raise FileError(snapshot.path, f"binary file (NUL byte at byte {nul})")
    had_bom = data.startswith(_BOM)
    start = len(_BOM) if had_bom else 0
    try:
        text = data[start:].decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        raise FileError(
            snapshot.path, f"not valid UTF-8 at byte {offset} (0x{data[offset]:02x})"
        ) from None
    return text, had_bom


# --------------------------------------------------------------------------- writing


def _tmp_path(folder: str, name: str) -> str:
    return os.path.join(folder, f".{name}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _check_folder_writable(shown: str, folder: str) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        try:
            if os.statvfs(folder).f_flag & os.ST_RDONLY:
                raise FileError(shown, "folder not writable: read-only file system")
        except OSError:
            pass
        raise FileError(shown, f"folder not writable: {folder}")


def _check_unchanged(snapshot: Snapshot) -> None:
    """Raise FileError unless ``snapshot.path`` still holds exactly what was read."""
    shown = snapshot.path
    changed = "changed on disk since it was read"
    try:
        real = os.path.realpath(shown, strict=True)
    except FileNotFoundError:
        raise FileError(shown, f"{changed} (deleted)") from None
    except OSError as exc:
        raise FileError(shown, f"{changed} ({_reason(exc)})") from exc
    if real != snapshot.real_path:
        raise FileError(shown, f"{changed} (now resolves to {real})")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        raise FileError(shown, f"{changed} (deleted)") from None
    except OSError as exc:
        raise FileError(shown, f"not readable: {_reason(exc)}") from exc
    try:
        st = os.fstat(fd)
        if st.st_ino != snapshot.inode:
            raise FileError(shown, f"{changed} (replaced by another file)")
        if st.st_size != snapshot.size:
            raise FileError(shown, f"{changed} (size {snapshot.size} -> {st.st_size})")
        if st.st_mtime_ns != snapshot.mtime_ns:
            raise FileError(shown, f"{changed} (modification time differs)")
        if not stat.S_ISREG(st.st_mode):
            raise FileError(shown, "not a regular file")
        current = _read_fd(shown, fd)
    except OSError as exc:
        raise FileError(shown, f"not readable: {_reason(exc)}") from exc
    finally:
        os.close(fd)
    if current != snapshot.data:
        raise FileError(shown, f"{changed} (content differs)")


def _check_target_writable(shown: str, real: str, mode: int) -> None:
    # os.access honours the immutable attribute and read-only mounts even for
    # root; a file with no write bit at all is read-only by the owner's choice,
    # which root would otherwise override.
    if not os.access(real, os.W_OK) or not mode & 0o222:
        raise FileError(shown, "read-only file")


def _copy_xattrs(src: str, dst_fd: int) -> None:
    """Best effort: extended attributes (ACLs, labels) of ``src`` onto ``dst_fd``."""
    try:
        names = os.listxattr(src)
    except (OSError, AttributeError):
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.setxattr(dst_fd, name, os.getxattr(src, name))


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    half = len(view) // 2
    for start, end in ((0, half), (half, len(view))):
        pos = start
        while pos < end:
            pos += os.write(fd, view[pos:end])
        if start == 0:
            _step("partial")


def _replace(
    shown: str,
    real: str,
    data: bytes,
    *,
    mode: int | None,
    owner: tuple[int, int] | None,
    snapshot: Snapshot | None,
) -> None:
    """Write ``data`` to a temporary file beside ``real`` and rename it onto ``real``.

    ``mode`` gives the permission bits (None: a new file, 0666 minus umask),
    ``owner`` the (uid, gid) to give it when running as root.  With
    ``snapshot`` the unchanged check is repeated just before the rename.
    """
    folder, name = os.path.split(real)
    folder = folder or "."
    tmp = ""
    fd = -1
    renamed = False
    try:
        for _ in range(16):
            tmp = _tmp_path(folder, name)
            try:
                # A new file gets 0666 minus umask from the kernel; a replacement
                # starts private and gets the original's bits below.
                fd = os.open(
                    tmp,
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                    0o666 if mode is None else 0o600,
                )
                break
            except FileExistsError:
                continue
        else:
            tmp = ""
            raise FileError(shown, "write failed: could not create a temporary file")
        _step("created")
        if owner is not None:
            # Before fchmod: chown clears set-id bits.  Root restores the owner;
            # others can at least keep the group if they belong to it.
            uid, gid = owner if os.geteuid() == 0 else (-1, owner[1])
            try:
                if uid != -1 or os.fstat(fd).st_gid != gid:
                    os.fchown(fd, uid, gid)
            except OSError:
                pass
        if mode is not None:
            _copy_xattrs(real, fd)
            os.fchmod(fd, stat.S_IMODE(mode))
        _write_all(fd, data)
        os.fsync(fd)
        _step("written")
        os.close(fd)
        fd = -1
        if snapshot is not None:
            _check_unchanged(snapshot)
        _step("before_rename")
        os.replace(tmp, real)
        renamed = True
        _step("after_rename")
        _fsync_folder(folder)
    except BaseException as exc:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        if tmp and not renamed:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            if renamed:
                raise FileError(
                    shown, f"written, but syncing its folder failed: {_reason(exc)}"
                ) from exc
            if exc.errno in (errno.EPERM, errno.EACCES, errno.EROFS):
                raise FileError(shown, f"not writable: {_reason(exc)}") from exc
            raise FileError(shown, f"write failed: {_reason(exc)}") from exc
        raise


def check_unchanged(snapshot: Snapshot) -> None:
    """Raise FileError unless the file still holds exactly what ``snapshot`` read (the check
    ``atomic_write`` makes first; the app makes it before it lints the edits to write)."""
    _check_unchanged(snapshot)


def atomic_write(snapshot: Snapshot, data: bytes, *, check_unchanged: bool = True) -> None:
    """Replace the file ``snapshot`` was read from with ``data``, atomically.

    Writes through a symlink to its target.  Raises FileError (and leaves the
    file untouched) if the file changed on disk since the snapshot (unless
    ``check_unchanged`` is False), is read-only, or its folder is not writable.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    shown = snapshot.path
    if check_unchanged:
        _check_unchanged(snapshot)
        real = snapshot.real_path
    else:
        real = os.path.realpath(shown)
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None  # only with check_unchanged=False: recreate it as it was
    except OSError as exc:
        raise FileError(shown, f"not writable: {_reason(exc)}") from exc
    if st is None:
        mode, owner = snapshot.mode, None
    else:
        if not stat.S_ISREG(st.st_mode):
            raise FileError(shown, "not a regular file")
        _check_target_writable(shown, real, st.st_mode)
        mode, owner = st.st_mode, (st.st_uid, st.st_gid)
    _check_folder_writable(shown, os.path.dirname(real) or ".")
    _replace(
        shown,
        real,
        bytes(data),
        mode=mode,
        owner=owner,
        snapshot=snapshot if check_unchanged else None,
    )


def write_new(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically create or replace ``path`` (e.g. ``-o OUT``) with ``data``.

    An existing file keeps its mode (and owner under root); a symlink is
    written through; a new file gets the default mode (0666 minus umask).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    shown = os.fspath(path)
    real = os.path.realpath(shown)
    folder = os.path.dirname(real) or "."
    try:
        like: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        like = None
    except OSError as exc:
        raise FileError(shown, f"not writable: {_reason(exc)}") from exc
    if like is not None:
        if stat.S_ISDIR(like.st_mode):
            raise FileError(shown, "is a directory")
        if not stat.S_ISREG(like.st_mode):
            raise FileError(shown, "not a regular file")
        _check_target_writable(shown, real, like.st_mode)
    if not os.path.isdir(folder):
        raise FileError(shown, f"folder does not exist: {folder}")
    _check_folder_writable(shown, folder)
    _replace(
        shown,
        real,
        bytes(data),
        mode=None if like is None else like.st_mode,
        owner=None if like is None else (like.st_uid, like.st_gid),
        snapshot=None,
    )


# --------------------------------------------------------------------------- cleanup


def _pid_running(pid: int) -> bool:
    if pid <= 0:
        return True  # not a pid we could have written: leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def clear_stale_temporaries(folder: str | os.PathLike[str]) -> list[str]:
    """Remove ``.*.meridian-fix-<pid>-*.tmp`` files whose pid is not running.

    Returns the paths removed.  Files of running processes (this one
    included), folders and names that do not match are left alone; errors
    are ignored (cleanup is best effort).
    """
    d = os.fspath(folder)
    removed: list[str] = []
    try:
        entries = list(os.scandir(d))
    except OSError:
        return removed
    for entry in entries:
        m = _TMP_RE.match(entry.name)
        if not m:
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                continue
        except OSError:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _pid_running(pid):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(entry.path)
    return removed
