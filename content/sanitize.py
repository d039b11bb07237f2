"""The one HTML sanitiser: every piece of HTML shown to a learner passes through here."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

__all__ = ["ALLOWED_TAGS", "ALLOWED_ATTRIBUTES", "URL_SCHEMES", "ID_PREFIX", "sanitize_html"]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup",
        "blockquote", "code", "pre", "kbd",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
        "a", "img", "span", "div", "abbr", "figure", "figcaption", "mark",
        "details", "summary",
    }
)

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

# No style, no on*, nothing generic: every attribute is listed per tag.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "th": frozenset({"colspan", "rowspan", "align"}),
    "td": frozenset({"colspan", "rowspan", "align"}),
    # `start` keeps the numbering of lists that sane_lists emits (`3. item`).
    "ol": frozenset({"start"}),
    "abbr": frozenset({"title"}),
    # Classes are filtered to a tiny vocabulary in _filter_attribute.
    "code": frozenset({"class"}),
    "div": frozenset({"class"}),
    **{h: frozenset({"id"}) for h in _HEADINGS},
}

URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

# Heading ids are namespaced so user content cannot clobber ids (and `window.x`
# globals) of the page around it. The toc slugifier emits ids with this prefix
# already, so in-page links keep working; nh3 prefixes any other id.
ID_PREFIX = "sec-"

# Tags whose text must vanish along with the tag (stripping only the tag would
# leave script source or CSS visible as text).
_CLEAN_CONTENT_TAGS = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "noembed", "noframes", "xmp", "textarea", "select"}
)

_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_CODE_CLASS_RE = re.compile(r"^language-[A-Za-z0-9_+#.\-]{1,40}$")
_DIV_CLASSES = frozenset({"toc"})


def _has_format_char(value: str) -> bool:
    # Cf characters (zero-width spaces, bidi overrides...) hide what a URL
    # really is from the reader and from naive scheme checks.
    return any(unicodedata.category(ch) == "Cf" for ch in value)


def _url_is_safe(value: str) -> bool:
    """True if `value` is relative or uses an allowed scheme, judged as a browser would."""
    candidates = (value, html.unescape(value))
    for candidate in candidates:
        if _has_format_char(candidate):
            return False
        # Browsers ignore tabs/newlines inside URLs and strip control chars and
        # spaces at the ends; we drop every such char so `java\tscript:` is seen.
        squeezed = "".join(ch for ch in candidate if ord(ch) > 0x20 and ord(ch) != 0x7F and not ch.isspace())
        match = _SCHEME_RE.match(squeezed.lower())
        if match and match.group(1) not in URL_SCHEMES:
            return False
    return True


def _filter_classes(tag: str, value: str) -> str | None:
    if tag == "code":
        kept = [c for c in value.split() if _CODE_CLASS_RE.match(c)]
    elif tag == "div":
        kept = [c for c in value.split() if c in _DIV_CLASSES]
    else:
        kept = []
    return " ".join(kept) or None


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    """nh3 callback: return the value to keep, or None to drop the attribute."""
    # An exception here would be swallowed by nh3 and reported as unraisable;
    # fail closed instead so a bug can only ever remove an attribute.
    try:
        if attr in ("href", "src"):
            return value if _url_is_safe(value) else None
        if attr == "class":
            return _filter_classes(tag, value)
        return value
    except Exception:  # pragma: no cover - defensive
        return None


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_CLEAN_CONTENT_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel="noopener noreferrer nofollow",
    url_schemes=set(URL_SCHEMES),
    id_prefix=ID_PREFIX,
)


def sanitize_html(html_text: str) -> str:
    """Return `html_text` reduced to the allowlisted tags, attributes and URL schemes."""
    return _CLEANER.clean(html_text)
