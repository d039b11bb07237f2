"""`python -m bench` (`make bench BENCH_ARGS=...`): print the speed figures.

One run: a fresh database (a temporary SQLite file, or LMS_DATABASE_URL, which
must then be an EMPTY database) with the starter course and many logged-in
learners; a bare Flask "hello" app and the LMS, each under gunicorn (2 sync
workers); wrk -t2 -c32 against hello, a lesson page, lesson completion and quiz
submission, then hello once more.

Speed is printed only as a ratio to H, the requests per second of the bare
Flask hello measured in this same run (the mean of its two runs): the LMS
figures are % of H, never absolute figures or a fixed reference, since they
only mean something next to what this machine did just now. Without a hello
run (--only without hello) ratios are unavailable and no target is judged.
Targets: lesson page >= 45% of H, lesson completion >= 30%, quiz submission
>= 15%, and no "database is locked" in the LMS log. Latency is in ms.

Memory: the resident set size (VmRSS from /proc/<pid>/status) of each gunicorn
worker, read after the server's last wrk run, for the LMS and for hello as the
baseline (LMS / hello ratio).

It never fails because of a timing (exit 0), only when the benchmark could not
run (exit 2).
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import wrk
from bench.data import BenchSetupError, BenchUser, CookieJar, Fixture, app_environ, attempt_state, make_app, prepare, verify
from bench.server import Gunicorn

BENCHMARKS = ("hello", "lesson", "complete", "quiz")
TITLES = {"hello": "hello (bare Flask)", "hello-after": "hello again (after)", "lesson": "lesson page GET", "complete": "lesson completion POST",
          "quiz": "quiz submission POST"}
TARGETS = {"lesson": 0.45, "complete": 0.30, "quiz": 0.15}  # fraction of H, the hello of the same run
THREADS, CONNECTIONS = 2, 32


@dataclass
class Outcome:
    name: str
    result: wrk.WrkResult
    warmup: wrk.WrkResult | None = None
    locked: int = 0  # "database is locked" lines logged during the run
    unavailable: int = 0  # "database unavailable" (the 503 handler) lines
    tracebacks: int = 0
    expected_status: int | None = None
    note: str = ""

    @property
    def wrong_status(self) -> int:
        if self.expected_status is None:
            return 0
        return sum(n for s, n in self.result.statuses.items() if s != self.expected_status)

    @property
    def status_5xx(self) -> int:
        return sum(n for s, n in self.result.statuses.items() if s >= 500)

    def errors_text(self) -> str:
        r = self.result
        parts = []
        if r.non_2xx_3xx:
            parts.append(f"non2xx/3xx={r.non_2xx_3xx}")
        if self.status_5xx:
            parts.append(f"5xx={self.status_5xx}")
        if self.wrong_status and self.wrong_status != r.non_2xx_3xx:
            parts.append(f"not-{self.expected_status}={self.wrong_status}")
        if r.socket_error_total:
            parts.append("sock=" + ",".join(f"{k}:{v}" for k, v in r.socket_errors.items() if v))
        if self.locked:
            parts.append(f"locked={self.locked}")
        if self.unavailable:
            parts.append(f"db-unavailable={self.unavailable}")
        if self.tracebacks:
            parts.append(f"tracebacks={self.tracebacks}")
        return " ".join(parts) or "0"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10, help="duration of each measured wrk run (default 10)")
    p.add_argument("--warmup", type=float, default=2, help="warm-up seconds before each benchmark (default 2; 0: none)")
    p.add_argument("--users", type=int, default=20_000,
                   help="bench learners to create (default 20000); quiz submission needs one per request")
    p.add_argument("--only", default="", help=f"comma-separated subset of: {','.join(BENCHMARKS)}")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs, Lua scripts)")
    args = p.parse_args(argv)
    args.selected = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = set(args.selected) - set(BENCHMARKS)
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(sorted(unknown))} (choose from {', '.join(BENCHMARKS)})")
    if args.seconds < 1:
        p.error("--seconds must be at least 1")
    if args.users < 100:
        p.error("--users must be at least 100")
    return args


def log(msg: str = "") -> None:
    print(msg, flush=True)


def _count_log(text: str) -> tuple[int, int, int]:
    return (len(re.findall(r"database is locked", text, re.I)),
            len(re.findall(r"database unavailable", text)),
            text.count("Traceback (most recent call last)"))


class Runner:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.servers: list[Gunicorn] = []
        self.outcomes: dict[str, Outcome] = {}
        self.commands: list[str] = []
        self.memory: dict[str, list[int]] = {}  # server name -> VmRSS KiB of each worker after its last run

    def hello_rps(self) -> float | None:
        """H: the mean req/s of the hello runs measured so far in this run; None when there is none."""
        hellos = [o.result.rps for n, o in self.outcomes.items() if n.startswith("hello") and o.result.rps > 0]
        return sum(hellos) / len(hellos) if hellos else None

    def record_memory(self, server: Gunicorn) -> None:
        """Read the RSS of the server's workers now (after its last wrk run, before it is stopped)."""
        self.memory[server.name] = kib = server.worker_rss_kib()
        log(f"  {server.name} worker RSS after run: {rss_text(kib)}")

    # -- servers ---------------------------------------------------------------
    def start(self, server: Gunicorn, ready_path: str) -> Gunicorn:
        self.servers.append(server)
        server.start(ready_path)
        self.commands.append(f"server ({server.name}): {server.shown_command}")
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            try:
                server.stop()
            except Exception as exc:  # noqa: BLE001 - cleanup must go on
                log(f"warning: could not stop gunicorn ({server.name}): {exc}")

    # -- wrk -------------------------------------------------------------------
    def measure(self, name: str, server: Gunicorn, url: str, *, headers=None, script=None,
                warm_script=None, expected_status=None) -> Outcome:
        warm = None
        if self.args.warmup > 0:
            warm = wrk.run(url, seconds=self.args.warmup, threads=THREADS, connections=CONNECTIONS,
                           headers=headers, script=warm_script or script)
        before = len(server.log_text())
        result = wrk.run(url, seconds=self.args.seconds, threads=THREADS, connections=CONNECTIONS,
                         headers=headers, script=script)
        time.sleep(0.3)  # let the workers flush their log lines
        locked, unavailable, tracebacks = _count_log(server.log_text()[before:])
        self.commands.append(f"{name}: {result.command.replace(self._secret_header(headers), '<cookie>')}")
        outcome = Outcome(name, result, warm, locked, unavailable, tracebacks, expected_status)
        self.outcomes[name] = outcome
        r = result
        if name.startswith("hello"):
            speed = f"{r.rps:,.0f} req/s (a hello run: H is their mean)"
        else:
            h = self.hello_rps()
            speed = "ratio unavailable (hello not measured)" if h is None else f"{ratio(r.rps, h)} of H so far"
        log(f"  {name}: {speed}, {r.requests} requests, latency avg {r.latency_avg_ms:.1f} ms "
            f"p99 {r.percentiles_ms.get('99', float('nan')):.1f} ms, errors: {outcome.errors_text()}")
        return outcome

    @staticmethod
    def _secret_header(headers) -> str:
        for h in headers or []:
            if h.startswith("Cookie:"):
                return h
        return "\0"


def split_users(users: list[BenchUser], warm_s: float, run_s: float) -> tuple[list[BenchUser], list[BenchUser]]:
    if warm_s <= 0:
        return [], users
    cut = max(1, int(len(users) * warm_s / (warm_s + run_s)))
    return users[:cut], users[cut:]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    if wrk.find_wrk() is None:
        log("error: wrk is not installed (apt-get install -y wrk)")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    runner = Runner(args, workdir)
    try:
        return _run(args, runner, workdir, started)
    except (BenchSetupError, RuntimeError, OSError) as exc:
        log(f"\nerror: the benchmark could not run: {exc}")
        return 2
    except KeyboardInterrupt:
        log("\ninterrupted")
        return 130
    finally:
        runner.stop_all()
        if args.keep:
            log(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, runner: Runner, workdir: Path, started: float) -> int:
    need_lms = any(n != "hello" for n in args.selected)
    fixture: Fixture | None = None
    jar: CookieJar | None = None
    env_url = os.environ.get("LMS_DATABASE_URL", "").strip()
    secret_key = secrets.token_hex(32)
    if need_lms:
        if env_url:
            url = env_url
            log(f"database: LMS_DATABASE_URL={_redact(url)}\n"
                "  note: it must be an EMPTY database; the benchmark fills it with bench users and leaves them there")
        else:
            url = "sqlite:///" + str(workdir / "bench.sqlite3")
            log(f"database: fresh SQLite file in {workdir}")
        log(f"preparing: migrate, import the starter course, {args.users} learners ...")
        fixture = prepare(url, args.users + 2, secret_key)
        for step, seconds in fixture.timings.items():
            log(f"  {step}: {seconds:.1f} s")
        app = make_app(url, secret_key)
        jar = CookieJar(app)
        reader, writer, *pool = fixture.users
        try:
            problems = verify(app, fixture, jar, reader=reader, writer=writer)
        except Exception as exc:  # noqa: BLE001 - an app that cannot serve the pages: the bench cannot run (exit 2)
            raise BenchSetupError(f"the app failed under the Flask test client: {type(exc).__name__}: {exc}") from exc
        finally:
            app.extensions["lms_db"].dispose()
        if problems:
            raise BenchSetupError("the forged session cookies do not work with the app:\n  " + "\n  ".join(problems))
        log("  checked with the Flask test client: lesson page 200, completion 302, quiz submission 302 and graded")

    if "hello" in args.selected:
        log("hello: starting gunicorn with bench/hello.py ...")
        hello = runner.start(Gunicorn("bench.hello:app", workdir=workdir, name="hello"), "/")
        runner.measure("hello", hello, hello.base_url + "/")
        runner.record_memory(hello)
        hello.stop()

    if need_lms:
        if fixture is None or jar is None:
            raise RuntimeError("the LMS fixture was not prepared")
        log("lms: starting gunicorn with app:app ...")
        lms = runner.start(Gunicorn("app:app", workdir=workdir, name="lms",
                                    env=app_environ(fixture.url, fixture.secret_key)), "/healthz")
        run_lms_benchmarks(args, runner, lms, fixture, jar, reader, pool, workdir)
        runner.record_memory(lms)
        lms.stop()
        locked_total = _count_log(lms.log_text())[0]
        if "hello" in args.selected:
            # Hello again: this machine's speed drifts, so the base is the mean of both runs.
            log("hello again (the base is the mean of both hello runs) ...")
            hello = runner.start(Gunicorn("bench.hello:app", workdir=workdir, name="hello-after"), "/")
            runner.measure("hello-after", hello, hello.base_url + "/")
            runner.record_memory(hello)
            hello.stop()
    else:
        locked_total = None

    report(args, runner, fixture, locked_total, time.monotonic() - started)
    return 0


def run_lms_benchmarks(args, runner: Runner, lms: Gunicorn, fixture: Fixture, jar: CookieJar, reader: BenchUser,
                       pool: list[BenchUser], workdir: Path) -> None:
    if "lesson" in args.selected:
        cookie = f"Cookie: {jar.cookie_name}={jar.cookie(reader)}"
        runner.measure("lesson", lms, lms.base_url + fixture.lesson_path, headers=[cookie])

    def lines(users: list[BenchUser], kind: str) -> list[tuple[str, str, str]]:
        seen = int(time.time())  # fresh: the app does not re-issue cookies during the run
        out = []
        for u in users:
            cookie = f"{jar.cookie_name}={jar.cookie(u, seen)}"
            body = f"{jar.csrf_field}={jar.csrf_form_token(u)}"
            if kind == "quiz":
                out.append((f"/attempts/{u.attempt_id}", cookie, f"{body}&{u.answers}"))
            else:
                out.append((fixture.done_path, cookie, body))
        return out

    if "complete" in args.selected:
        warm_users, run_users = split_users(pool, args.warmup, args.seconds)
        warm = wrk.write_post_script(workdir, "complete-warmup", lines(warm_users, "complete"), THREADS) \
            if warm_users else None
        script = wrk.write_post_script(workdir, "complete", lines(run_users, "complete"), THREADS)
        o = runner.measure("complete", lms, lms.base_url + fixture.done_path, script=script, warm_script=warm,
                           expected_status=302)
        if o.result.wraps:
            o.note = f"went round its {len(run_users)} users {o.result.wraps} time(s): later requests were repeats"

    if "quiz" in args.selected:
        warm_users, run_users = split_users(pool, args.warmup, args.seconds)
        warm = wrk.write_post_script(workdir, "quiz-warmup", lines(warm_users, "quiz"), THREADS) \
            if warm_users else None
        script = wrk.write_post_script(workdir, "quiz", lines(run_users, "quiz"), THREADS)
        o = runner.measure("quiz", lms, lms.base_url + "/attempts/0", script=script, warm_script=warm,
                           expected_status=302)
        if o.result.wraps:
            o.note = (f"WARNING: went round its {len(run_users)} users: attempts were submitted twice "
                      f"(replays are refused, cheaper); run again with more --users")
        app = make_app(fixture.url, fixture.secret_key)
        try:
            graded, passed = attempt_state(app, [u.attempt_id for u in run_users])
        finally:
            app.extensions["lms_db"].dispose()
        ok302 = o.result.statuses.get(302, 0)
        o.note = (o.note + "; " if o.note else "") + (
            f"graded attempts in the database: {graded} (passed {passed}); 302 responses counted by wrk: {ok302}; "
            f"requests sent: {o.result.sent}")


def ratio(rps: float, base: float | None) -> str:
    return "n/a" if not base else f"{100 * rps / base:.1f}%"


def rss_text(kib: list[int]) -> str:
    if not kib:
        return "unavailable (no worker found under /proc)"
    return (f"{len(kib)} worker{'s' if len(kib) != 1 else ''}, max {max(kib) / 1024:.0f} MiB, "
            f"mean {sum(kib) / len(kib) / 1024:.0f} MiB")


def report(args, runner: Runner, fixture: Fixture | None, locked_total: int | None, elapsed: float) -> None:
    outs = runner.outcomes
    hellos = [o.result.rps for n, o in outs.items() if n.startswith("hello") and o.result.rps > 0]
    base = runner.hello_rps()  # H
    log("")
    log(f"Results: wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds:g}s, gunicorn 2 sync workers, {os.cpu_count()} CPUs")
    if base is None:
        log("H: hello was not measured in this run, so ratios are unavailable and no speed target is judged "
            "(run with hello in --only)")
    else:
        runs = "the mean of its two runs" if len(hellos) == 2 else "one run"
        log(f"H = the bare Flask hello measured in this run ({runs}): {base:,.0f} req/s. "
            f"Every other speed figure is a ratio to H.")
    header = (f"{'benchmark':<24} {'% of H':>8} {'target':>7} {'result':>7} "
              f"{'p50 ms':>8} {'p99 ms':>8}  errors")
    log(header)
    log("-" * len(header))
    for name in ("hello", "hello-after", *BENCHMARKS[1:]):
        o = outs.get(name)
        if o is None:
            continue
        r = o.result
        target = TARGETS.get(name)
        if target is None:
            verdict = ""
        elif base is None:
            verdict = "n/a"
        else:
            verdict = "PASS" if r.rps >= target * base else "BELOW"
        log(f"{TITLES[name]:<24} {ratio(r.rps, base):>8} "
            f"{'' if target is None else f'>={target:.0%}':>7} "
            f"{verdict:>7} {r.percentiles_ms.get('50', float('nan')):>8.1f} {r.percentiles_ms.get('99', float('nan')):>8.1f}"
            f"  {o.errors_text()}")
    if len(hellos) == 2 and base:
        spread = abs(hellos[0] - hellos[1]) / base
        if spread > 0.15:
            log(f"the two hello runs differ by {spread:.0%}: this machine's speed drifted, ratios are uncertain")
    if locked_total is not None:
        verdict = "PASS" if locked_total == 0 else "MISSED"
        label = '"database is locked"'
        log(f"{label:<24} {locked_total:>8} {'0':>7} {verdict:>7}   (whole LMS server log)")
    report_memory(runner)
    notes = [(n, o.note) for n, o in outs.items() if o.note]
    for name, o in outs.items():
        if o.expected_status and o.result.statuses:
            codes = ", ".join(f"{s}: {c}" for s, c in sorted(o.result.statuses.items()))
            notes.append((name, f"status codes: {codes}"))
        if o.warmup is not None:
            notes.append((name, f"warm-up {args.warmup:g}s: {ratio(o.warmup.rps, base)} of H, "
                                f"{o.warmup.requests} requests"))
    if notes:
        log("")
        for name, note in notes:
            log(f"{name}: {note}")
    log("")
    log("Commands:")
    for cmd in runner.commands:
        log(f"  {cmd}")
    log("")
    log(f"Total time {elapsed:.0f} s. Figures are measurements, not assertions: this exits 0 even below target.")


def report_memory(runner: Runner) -> None:
    """Worker RSS after the run: the LMS, and hello (both of its runs together) as the baseline."""
    lms = runner.memory.get("lms")
    hello = [kib for name, kibs in runner.memory.items() if name.startswith("hello") for kib in kibs]
    if lms is None and not hello:
        return
    log("")
    log("Memory: resident set size (VmRSS) of each gunicorn worker, read after the server's last run")
    if lms is not None:
        line = f"  LMS worker RSS after run: {rss_text(lms)}"
        if lms and hello:
            line += (f" = {max(lms) / max(hello):.1f}x / {(sum(lms) / len(lms)) / (sum(hello) / len(hello)):.1f}x "
                     f"hello (max / mean)")
        elif lms:
            line += " (no hello baseline in this run)"
        log(line)
    if hello:
        runs = sum(1 for name in runner.memory if name.startswith("hello"))
        log(f"  hello worker RSS after run: {rss_text(hello)}" + (f" over {runs} runs" if runs > 1 else "")
            + " (baseline)")


def _redact(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


if __name__ == "__main__":
    sys.exit(main())
