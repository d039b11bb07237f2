"""gunicorn servers for the benchmark: started in their own process group,
always stopped (the whole group) by the caller's finally; the resident memory
of their workers read from /proc (Linux; no extra dependency)."""
from __future__ import annotations

import contextlib
import http.client
import os
import shlex
import signal
import socket
import subprocess  # nosec B404 - starts gunicorn with a fixed argument list
import sys
import time
from pathlib import Path

from bench.data import ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_path() -> str:
    here = Path(sys.executable).parent / "gunicorn"
    return str(here) if here.exists() else str(ROOT / ".venv" / "bin" / "gunicorn")


class Gunicorn:
    def __init__(self, app_spec: str, *, workdir: Path, name: str, env: dict[str, str] | None = None,
                 workers: int = 2, config: str | None = None) -> None:
        self.app_spec = app_spec
        self.name = name
        self.port = free_port()
        self.log_path = workdir / f"gunicorn-{name}.log"
        # An empty config file: otherwise gunicorn silently loads ./gunicorn.conf.py
        # (access log, max_requests...) and the two servers would not be alike.
        if config is None:
            config = str(workdir / "gunicorn-bench.conf.py")
            Path(config).write_text("# benchmark: all settings are on the command line\n")
        self.command = [gunicorn_path(), "-c", config, "-w", str(workers), "-k", "sync",
                        "-b", f"127.0.0.1:{self.port}", "--error-logfile", "-", app_spec]
        base = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        self.env = {**base, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def shown_command(self) -> str:
        lms_env = " ".join(f"{k}={shlex.quote(v) if k != 'LMS_SECRET_KEY' else '<random>'}"
                           for k, v in self.env.items() if k.startswith("LMS_"))
        return (lms_env + " " if lms_env else "") + shlex.join(self.command)

    def start(self, ready_path: str = "/", timeout: float = 60.0) -> None:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,  # nosec B603 - fixed argument list
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited with {self.proc.returncode}; "
                                   f"log:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", ready_path)
                status = conn.getresponse().status
                conn.close()
                if status < 500:
                    return
                last_error = f"HTTP {status}"
            except OSError as exc:
                last_error = str(exc)
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.name}) did not answer {ready_path} within {timeout:.0f}s "
                           f"({last_error}); log:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The master's child processes (gunicorn's workers), [] when unknown."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        return child_pids(self.proc.pid)

    def worker_rss_kib(self) -> list[int]:
        """VmRSS of each live worker in KiB (workers that vanish meanwhile are left out)."""
        return [kib for kib in map(rss_kib, self.worker_pids()) if kib is not None]

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
                    os.killpg(proc.pid, sig)  # the master and its workers
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):  # workers left behind by a master that died first
                os.killpg(proc.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None


def child_pids(pid: int) -> list[int]:
    """Children of pid: /proc/<pid>/task/*/children, else a scan of /proc/*/stat for the ppid."""
    tasks = Path(f"/proc/{pid}/task")
    try:
        found = set()
        for task in tasks.iterdir():
            found.update(int(c) for c in (task / "children").read_text().split())
        return sorted(found)
    except (FileNotFoundError, PermissionError, ValueError):
        pass  # kernel without CONFIG_PROC_CHILDREN, or the process is gone
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may contain spaces and parentheses
        fields = text[text.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(pid):
            found.add(int(stat.parent.name))
    return sorted(found)


def rss_kib(pid: int) -> int | None:
    """VmRSS from /proc/<pid>/status, in KiB; None when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])  # "VmRSS:   81234 kB"
    except (OSError, ValueError, IndexError):
        return None
    return None
