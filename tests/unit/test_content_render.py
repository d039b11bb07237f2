"""Markdown rendering: the supported extensions work and output is always sanitised."""

from __future__ import annotations

import threading

from content import render_inline, render_markdown


def test_tables_use_align_attributes_not_style() -> None:
    html = render_markdown("| 项目 | 比例 |\n|:-----|-----:|\n| 单位 | 16% |\n")
    assert "<table>" in html and "<th align=\"left\">项目</th>" in html
    assert '<td align="right">16%</td>' in html
    assert "style" not in html


def test_fenced_code_keeps_language_class_and_escapes() -> None:
    html = render_markdown("```python\nif a < b:\n    print('<script>')\n```\n")
    assert '<pre><code class="language-python">' in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_toc_ids_are_unicode_prefixed_and_unique() -> None:
    html = render_markdown("[TOC]\n\n# 养老保险\n\n## Contributions & rates\n\n## 养老保险\n")
    assert '<h1 id="sec-养老保险">养老保险</h1>' in html
    assert '<h2 id="sec-contributions-rates">' in html
    assert '<h2 id="sec-养老保险_1">' in html
    assert '<div class="toc">' in html and 'href="#sec-养老保险"' in html


def test_raw_html_ids_are_namespaced() -> None:
    # An author's id must not clobber ids of the LMS page (DOM clobbering).
    assert render_markdown('<h2 id="csrf_token">x</h2>') == '<h2 id="sec-csrf_token">x</h2>'


def test_chinese_text_is_preserved() -> None:
    text = "养老保险是社会保险的重要组成部分，缴费基数按上年度月平均工资确定。"
    assert render_markdown(text) == f"<p>{text}</p>"
    assert render_markdown(f"**{text}**") == f"<p><strong>{text}</strong></p>"


def test_lists_links_and_images() -> None:
    html = render_markdown("3. 三\n4. 四\n\n[官网](https://www.mohrss.gov.cn) ![图](/media/abc.png)\n")
    assert '<ol start="3">' in html
    assert '<a href="https://www.mohrss.gov.cn" rel="noopener noreferrer nofollow">官网</a>' in html
    # markdown-it writes src before alt (Python-Markdown wrote alt first): same element.
    assert '<img src="/media/abc.png" alt="图">' in html


def test_attr_list_is_not_enabled() -> None:
    html = render_markdown("# Title {: style=\"color:red\" onclick=\"x()\" .cls }\n")
    opening_tag, _, text = html.partition(">")
    assert opening_tag.startswith('<h1 id="sec-') and opening_tag.count("=") == 1
    assert text.startswith("Title {: style="), "the attribute list stays plain text"


def test_render_is_always_sanitised() -> None:
    html = render_markdown('hello <script>alert(1)</script><img src=x onerror="alert(1)"> [x](javascript:alert(1))')
    assert "<script" not in html and "onerror" not in html and "javascript" not in html


def test_render_inline_unwraps_a_single_paragraph_only() -> None:
    assert render_inline("**社会**保险") == "<strong>社会</strong>保险"
    assert render_inline("a\n\nb") == "<p>a</p>\n<p>b</p>"
    assert render_inline("- a\n- b").startswith("<ul>")
    assert render_inline("<img src=x onerror=alert(1)>") == '<img src="x">'
    assert render_inline("") == ""


def test_concurrent_renders_do_not_share_state() -> None:
    # A shared Markdown instance would mix toc ids between documents.
    results: dict[int, str] = {}

    def work(n: int) -> None:
        for _ in range(30):
            results[n] = render_markdown(f"# 标题\n\n## 标题\n\n{n}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, html in results.items():
        assert html == f'<h1 id="sec-标题">标题</h1>\n<h2 id="sec-标题_1">标题</h2>\n<p>{n}</p>'


def test_nested_lists_indented_by_two_or_three_spaces_stay_nested() -> None:
    html = render_markdown("1. 第一支柱\n   - 企业职工\n   - 城乡居民\n2. 第二支柱\n\n- 甲\n  - 乙\n")
    assert "<li>第一支柱<ul>" in html.replace("\n", "") or "<p>第一支柱</p><ul>" in html.replace("\n", "")
    assert "- 企业职工" not in html and "<li>企业职工</li>" in html
    assert "<li>乙</li>" in html
