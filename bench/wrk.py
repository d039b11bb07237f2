"""Running wrk and reading its output; Lua scripts for round-robin POSTs."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess  # nosec B404 - runs wrk with a fixed argument list
from dataclasses import dataclass, field
from pathlib import Path

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def find_wrk() -> str | None:
    return shutil.which("wrk")


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    return float(m.group(1)) * _UNIT_MS[m.group(2)] if m else float("nan")


@dataclass
class WrkResult:
    command: str
    output: str
    rps: float = 0.0
    requests: int = 0
    duration_s: float = 0.0
    latency_avg_ms: float = float("nan")
    latency_max_ms: float = float("nan")
    percentiles_ms: dict[str, float] = field(default_factory=dict)
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)  # from the Lua response() hook
    sent: int = 0  # requests built by the Lua request() hook
    wraps: int = 0  # times the Lua script went round its list of users

    @property
    def socket_error_total(self) -> int:
        return sum(self.socket_errors.values())


def parse(command: str, output: str) -> WrkResult:
    r = WrkResult(command, output)
    if m := re.search(r"Requests/sec:\s+([\d.]+)", output):
        r.rps = float(m.group(1))
    if m := re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output):
        r.requests = int(m.group(1))
        r.duration_s = _ms(m.group(2) + m.group(3)) / 1000
    if m := re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output):
        r.latency_avg_ms, r.latency_max_ms = _ms(m.group(1)), _ms(m.group(3))
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M):
        r.percentiles_ms[pct] = _ms(value)
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        r.non_2xx_3xx = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        r.socket_errors = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()), strict=True))
    for line in output.splitlines():
        if line.startswith("BENCH-STATUS "):
            _tag, status, count = line.split()
            r.statuses[int(status)] = r.statuses.get(int(status), 0) + int(count)
        elif line.startswith("BENCH-THREAD "):
            fields = dict(kv.split("=") for kv in line.split()[1:])
            r.sent += int(fields["sent"])
            r.wraps += int(fields["wraps"])
    return r


def run(url: str, *, seconds: float, threads: int = 2, connections: int = 32, script: Path | None = None,
        headers: list[str] | None = None, timeout_s: int = 15) -> WrkResult:
    cmd = [find_wrk() or "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           f"--timeout={timeout_s}s", "--latency"]
    for header in headers or []:
        cmd += ["-H", header]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(url)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + timeout_s + 60)  # nosec B603 - fixed argument list
    shown = shlex.join(cmd)
    if proc.returncode != 0 or "Requests/sec" not in proc.stdout:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {shown}\n{proc.stdout}\n{proc.stderr}")
    return parse(shown, proc.stdout + proc.stderr)


# One line per request: path TAB cookie-header-value TAB form body. Each wrk
# thread takes every n-th line, so threads never share a user, and goes
# round its share in order; response() counts status codes.
LUA_TEMPLATE = r"""
local datafile = %(datafile)s
local nthreads = %(threads)d
local threads = {}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("tid", created)
  table.insert(threads, thread)
end

function init(args)
  items = {}
  local i = 0
  for line in io.lines(datafile) do
    if i %% nthreads == tid - 1 then
      local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      items[#items + 1] = wrk.format("POST", path, {
        ["Cookie"] = cookie,
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, body)
    end
    i = i + 1
  end
  pos = 0
  sent = 0
  wraps = 0
  statuses = {}
end

function request()
  pos = pos + 1
  if pos > #items then
    pos = 1
    wraps = wraps + 1
  end
  sent = sent + 1
  return items[pos]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, t in ipairs(threads) do
    io.write(string.format("BENCH-THREAD tid=%%d sent=%%d wraps=%%d\n", t:get("tid"), t:get("sent"), t:get("wraps")))
    for status, count in pairs(t:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("BENCH-STATUS %%d %%d\n", status, count))
  end
end
"""


def write_post_script(folder: Path, name: str, lines: list[tuple[str, str, str]], threads: int) -> Path:
    """lines: (path, Cookie header value, urlencoded body), in the order to send them."""
    datafile = folder / f"{name}.tsv"
    with datafile.open("w") as fh:
        for path, cookie, body in lines:
            if "\t" in path + cookie + body or "\n" in path + cookie + body:
                raise ValueError("tab or newline in a request line")
            fh.write(f"{path}\t{cookie}\t{body}\n")
    script = folder / f"{name}.lua"
    script.write_text(LUA_TEMPLATE % {"datafile": _lua_string(str(datafile)), "threads": threads})
    return script


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
