"""`python -m bench.markdown`: what the pathological Markdown corpus costs.

Each text of the corpus (tests/unit/test_content_limits.py: long backtick and
bracket runs, deep nesting of lists, quotes and emphasis, link chains, ...) is
checked and rendered as an author's save would (content.render_checked). The
baseline is an ordinary lesson of the same length (the starter lessons, repeated
up to the lesson limit): every figure is printed as a ratio to it, so machines
of different speed compare. Prints figures; never fails on a timing."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

from content.render import MAX_MARKDOWN_CHARS, render_checked
from tests.unit.test_content_limits import CORPUS

ROOT = Path(__file__).resolve().parents[1]


def _ordinary_lesson() -> str:
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "courses").glob("*/lessons/*.md")))
    return (text * (MAX_MARKDOWN_CHARS // max(1, len(text)) + 1))[:MAX_MARKDOWN_CHARS]


def _seconds(text: str, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        render_checked(text, "lesson")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    baseline = _seconds(_ordinary_lesson())
    print(f"Markdown: B = an ordinary {MAX_MARKDOWN_CHARS:,}-character lesson, rendered in {baseline * 1000:.0f} ms")
    rows = []
    for name, build in CORPUS.items():
        text = build()
        _html, problem = render_checked(text, "lesson")
        rows.append((name, _seconds(text, rounds=1), "refused" if problem else "rendered"))
    width = max(len(name) for name, *_ in rows)
    for name, seconds, outcome in sorted(rows, key=lambda r: -r[1]):
        print(f"  {name:<{width}}  {seconds / baseline:6.1f} x B  {outcome}")
    worst = max(seconds for _name, seconds, _outcome in rows)
    print(f"worst of {len(rows)} pathological texts: {worst / baseline:.1f} x B "
          f"(a linear engine keeps this a small constant; Python-Markdown took minutes on several)")


if __name__ == "__main__":
    main()
