"""Search terms of a text, the same for what is indexed and what is asked.

Chinese has no spaces between words, so a run of Han characters gives its
overlapping character pairs and triples (养老保险 -> 养老, 老保, 保险, 养老保,
老保险). A query word of two characters asks for its pair; a longer one for
its triples, which together hold the phrase as written (pairs alone could
occur apart). Either way it matches every text that contains it, whatever a
word segmenter would have cut. A lone Han character is a term of its own
(indexed for titles and summaries only: in long bodies it matches everything).
Other scripts give lower-cased words of letters and digits. No dictionary is
loaded, so a web worker stays small (a segmenter's dictionary costs ~90 MB).
"""
from __future__ import annotations

import re
import unicodedata

# Han ideographs (with extension A and the compatibility block).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_HAN}]+|[^\\W_]+", re.UNICODE)
_HAN_RUN = re.compile(f"[{_HAN}]+")
MAX_TERM_CHARS = 40  # longer "words" (hashes, URLs run together) are not worth indexing
MAX_QUERY_TERMS = 24


def _runs(text: str) -> list[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def _is_han(run: str) -> bool:
    return bool(_HAN_RUN.fullmatch(run))


def text_terms(text: str, *, single_characters: bool) -> set[str]:
    """The terms a text is found by."""
    terms: set[str] = set()
    for run in _runs(text):
        if _is_han(run):
            terms.update(run[i:i + 2] for i in range(len(run) - 1))
            terms.update(run[i:i + 3] for i in range(len(run) - 2))
            if single_characters or len(run) == 1:
                terms.update(run)
        elif len(run) <= MAX_TERM_CHARS:
            terms.add(run)
    return terms


def query_terms(query: str) -> list[str]:
    """The terms a query asks for, all of which must match (in a stable order)."""
    terms: list[str] = []
    for run in _runs(query):
        if _is_han(run):
            wanted = [run] if len(run) <= 2 else [run[i:i + 3] for i in range(len(run) - 2)]
        else:
            wanted = [run[:MAX_TERM_CHARS]]
        terms.extend(t for t in wanted if t not in terms)
    return terms[:MAX_QUERY_TERMS]

