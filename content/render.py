"""Markdown -> safe HTML. The only way course text becomes HTML."""

from __future__ import annotations

import re

import markdown
from markdown.extensions.toc import slugify_unicode

from content.sanitize import ID_PREFIX, sanitize_html

__all__ = ["render_markdown", "render_inline"]


def _slugify(value: str, separator: str) -> str:
    # Unicode-aware so Chinese headings get readable ids; prefixed so the ids
    # already carry the sanitiser's namespace and toc links still match.
    return ID_PREFIX + slugify_unicode(value, separator)


# attr_list is deliberately absent: it lets authors inject class/style/on*.
_EXTENSIONS = ("tables", "fenced_code", "toc", "sane_lists")
_EXTENSION_CONFIGS = {
    # align="..." instead of style="text-align: ..." (style is never allowed).
    "tables": {"use_align_attribute": True},
    "toc": {"permalink": False, "slugify": _slugify},
}

_SINGLE_PARAGRAPH_RE = re.compile(r"\A<p>(.*)</p>\Z", re.DOTALL)


def _new_markdown() -> markdown.Markdown:
    # A Markdown instance keeps per-document state (toc ids, footnotes...) and
    # is not thread-safe, so each call gets its own.
    return markdown.Markdown(
        extensions=list(_EXTENSIONS),
        extension_configs=_EXTENSION_CONFIGS,
        output_format="html",
        # Authors indent nested lists by 2 or 3 spaces, as CommonMark allows;
        # with the default of 4, Python-Markdown would flatten them into text.
        tab_length=2,
    )


def render_markdown(source: str) -> str:
    """Render Markdown to HTML and sanitise it. Always sanitised; no opt-out."""
    return sanitize_html(_new_markdown().convert(source))


def render_inline(text: str) -> str:
    """Render a short string (option text, labels): like render_markdown, minus a lone wrapping <p>."""
    rendered = render_markdown(text).strip()
    match = _SINGLE_PARAGRAPH_RE.match(rendered)
    # Only unwrap when it really is one paragraph: `<p>a</p>\n<p>b</p>` also
    # starts with <p> and ends with </p>.
    if match and "<p>" not in match.group(1) and "</p>" not in match.group(1):
        return match.group(1)
    return rendered
