import pytest

from lms.sanitize import sanitize_html


@pytest.mark.parametrize(
    ("dirty", "forbidden"),
    [
        ("<script>alert(1)</script><p>ok</p>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<p style="color:red" onclick="x()">hi</p>', "onclick"),
        ("<iframe src='//evil'></iframe>", "<iframe"),
        ("<svg><script>alert(1)</script></svg>", "<svg"),
    ],
)
def test_hostile_markup_is_removed(dirty, forbidden):
    assert forbidden not in sanitize_html(dirty)


def test_allowed_markup_survives():
    html = "<p><strong>Calm</strong> and <em>slow</em></p><ul><li>one</li></ul>"
    assert sanitize_html(html) == html


def test_links_are_kept_safe():
    cleaned = sanitize_html('<a href="https://example.org">site</a>')
    assert 'href="https://example.org"' in cleaned
    assert 'rel="nofollow"' in cleaned
