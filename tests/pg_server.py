"""A throwaway real PostgreSQL server for tests.

`start_postgres()` (a context manager) runs initdb in a temporary folder, starts
the server on a free port on 127.0.0.1 with password authentication
(scram-sha-256, md5 before PostgreSQL 10) and a superuser with a known random
password, and stops and removes it afterwards. As root, the server runs as the
`postgres` system user (created with useradd when missing) through `runuser`
(or `su`), since PostgreSQL refuses to run as root. When openssl exists the
server also gets a self-signed certificate so clients can use sslmode=require.

The `postgres_server` fixture (session scope) yields a running `PostgresServer`.
Without PostgreSQL binaries the fixture skips, unless the CI environment
variable is set: then it fails, because CI is expected to install PostgreSQL
(Debian: `apt-get install -y postgresql`, binaries in /usr/lib/postgresql/<N>/bin).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

import pytest

SERVER_USER = "postgres"
SUPERUSER = "meridian_admin"
REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")


class PostgresUnavailableError(RuntimeError):
    """No usable PostgreSQL server binaries were found."""


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def _has_binaries(bindir: str | Path) -> bool:
    return all(os.access(Path(bindir, name), os.X_OK) for name in REQUIRED_BINARIES)


def find_postgres_bindir() -> Path | None:
    """Folder holding initdb, pg_ctl and postgres: PATH, pg_config, distro folders."""
    candidates: list[str] = []
    env_dir = os.environ.get("PG_BINDIR")
    if env_dir:
        candidates.append(env_dir)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
        candidates.append(str(Path(initdb).parent))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
            if out:
                candidates.append(out)
    for pattern in (
        "/usr/lib/postgresql/*/bin",
        "/usr/pgsql-*/bin",
        "/usr/local/pgsql/bin",
        "/opt/homebrew/opt/postgresql*/bin",
        "/usr/local/opt/postgresql*/bin",
    ):
        candidates.extend(sorted(glob.glob(pattern), key=_version_key, reverse=True))
    for candidate in candidates:
        if _has_binaries(candidate):
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    subprocess.run(
        [
            useradd,
            "--system",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return pwd.getpwnam(name)


class PostgresServer:
    """One initdb'd cluster; `start()`/`stop()` or use as a context manager."""

    def __init__(self, bindir: Path | None = None, ssl: bool = True):
        found = bindir or find_postgres_bindir()
        if found is None:
            raise PostgresUnavailableError(
                "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found on PATH, "
                "via pg_config --bindir or in /usr/lib/postgresql/*/bin"
            )
        self.bindir = Path(found)
        self.host = "127.0.0.1"
        self.port = 0
        self.dbname = "postgres"
        self.superuser = SUPERUSER
        self.superuser_password = secrets.token_urlsafe(24)
        self.want_ssl = ssl and shutil.which("openssl") is not None
        self.ssl = False
        self.root: Path | None = None
        self.run_as: str | None = SERVER_USER if os.geteuid() == 0 else None
        self.auth_method = "scram-sha-256" if self.major_version() >= 10 else "md5"

    # -- process helpers -------------------------------------------------
    def major_version(self) -> int:
        out = subprocess.run(
            [str(self.bindir / "initdb"), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        match = re.search(r"(\d+)(?:\.(\d+))?", out)
        if not match:
            return 0
        major = int(match.group(1))
        return major * 10 + int(match.group(2) or 0) if major < 10 else major

    def _command(self, argv: list[str]) -> list[str]:
        if self.run_as is None:
            return argv
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        if os.access(runuser, os.X_OK):
            return [runuser, "-u", self.run_as, "--", *argv]
        return ["su", "-s", "/bin/sh", self.run_as, "-c", shlex.join(argv)]

    def _run(self, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            self._command(argv),
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(self.root or "/"),
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
                f"\n{self._log_tail()}"
            )
        return proc

    def _log_tail(self) -> str:
        log = self.root / "server.log" if self.root else None
        if log and log.exists():
            return "server.log:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        return ""

    def _chown(self, path: Path) -> None:
        if self.run_as is not None:
            user = pwd.getpwnam(self.run_as)
            os.chown(path, user.pw_uid, user.pw_gid)

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> PostgresServer:
        if self.run_as is not None:
            _ensure_system_user(self.run_as)
        self.root = Path(tempfile.mkdtemp(prefix="meridian-pg-"))
        self._chown(self.root)
        try:
            self._initdb()
            for attempt in range(5):
                self.port = _free_port()
                try:
                    self._run(
                        [
                            str(self.bindir / "pg_ctl"),
                            "-D",
                            str(self.root / "data"),
                            "-l",
                            str(self.root / "server.log"),
                            "-w",
                            "-t",
                            "60",
                            "-o",
                            f"-p {self.port}",
                            "start",
                        ],
                        timeout=90,
                    )
                    break
                except RuntimeError:
                    if attempt == 4:
                        raise
                    time.sleep(0.5)
        except BaseException:
            self.stop()
            raise
        return self

    def _initdb(self) -> None:
        assert self.root is not None
        pwfile = self.root / "superuser.pw"
        pwfile.write_text(self.superuser_password + "\n")
        pwfile.chmod(0o600)
        self._chown(pwfile)
        self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.root / "data"),
                "-U",
                self.superuser,
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C",
                f"--auth-local={self.auth_method}",
                f"--auth-host={self.auth_method}",
            ],
            timeout=300,
        )
        pwfile.unlink()
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.root}'",
            f"password_encryption = '{self.auth_method}'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 50",
        ]
        if self.want_ssl:
            self._make_certificate()
            settings += [
                "ssl = on",
                f"ssl_cert_file = '{self.root / 'server.crt'}'",
                f"ssl_key_file = '{self.root / 'server.key'}'",
            ]
            self.ssl = True
        with open(self.root / "data" / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# meridian-fix test server\n" + "\n".join(settings) + "\n")

    def _make_certificate(self) -> None:
        assert self.root is not None
        crt, key = self.root / "server.crt", self.root / "server.key"
        subprocess.run(
            [
                "openssl",
                "req",
                "-new",
                "-x509",
                "-nodes",
                "-days",
                "2",
                "-newkey",
                "rsa:2048",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(crt),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        key.chmod(0o600)
        for path in (crt, key):
            self._chown(path)

    def stop(self) -> None:
        if self.root is None:
            return
        data = self.root / "data"
        if (data / "postmaster.pid").exists():
            try:
                self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(data),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        "60",
                        "stop",
                    ],
                    timeout=90,
                )
            except (RuntimeError, subprocess.TimeoutExpired):
                self._kill_postmaster(data / "postmaster.pid")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    @staticmethod
    def _kill_postmaster(pidfile: Path) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(pidfile.read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)
            time.sleep(1)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- client helpers ------------------------------------------------------
    @property
    def sslmode(self) -> str:
        """The strongest sslmode this server accepts without a CA to verify."""
        return "require" if self.ssl else "disable"

    def connect(
        self,
        user: str | None = None,
        password: str | None = None,
        dbname: str | None = None,
        **kwargs,
    ):
        import psycopg2

        params = {
            "host": self.host,
            "port": self.port,
            "dbname": dbname or self.dbname,
            "user": user or self.superuser,
            "password": self.superuser_password if password is None else password,
            "sslmode": self.sslmode,
            "connect_timeout": 5,
        }
        params.update(kwargs)
        return psycopg2.connect(**params)

    def can_login(self, user: str, password: str, dbname: str | None = None) -> bool:
        import psycopg2

        try:
            conn = self.connect(user=user, password=password, dbname=dbname)
        except psycopg2.OperationalError:
            return False
        conn.close()
        return True

    def create_login_role(self, name: str, password: str) -> None:
        from psycopg2 import sql

        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)),
                    (password,),
                )
        finally:
            conn.close()


@contextlib.contextmanager
def start_postgres(ssl: bool = True):
    """Context manager yielding a started PostgresServer, removed afterwards."""
    server = PostgresServer(ssl=ssl)
    with server:
        yield server


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") is not None:
        pytest.fail(
            f"{reason}; CI must install PostgreSQL (Debian/Ubuntu: apt-get install -y postgresql)",
            pytrace=False,
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server():
    """A running throwaway PostgreSQL server shared by the test session."""
    try:
        server = PostgresServer()
    except PostgresUnavailableError as exc:
        reason = str(exc)
    else:
        reason = ""
    if reason:
        _unavailable(reason)
    with server:
        yield server
