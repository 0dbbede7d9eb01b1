"""The `assets` template library: `{% asset 'css/relay.css' %}` is `{% static %}`, remembered.

A static file's URL does not change while the process runs (the manifest of hashed names is
read once), but `{% static %}` works it out again on every use, and every page uses it.
"""

from functools import lru_cache

from django import template
from django.templatetags.static import static
from django.urls import get_script_prefix

register = template.Library()


@lru_cache(maxsize=256)
def _static_url(path: str, script_prefix: str) -> str:
    """`static(path)` (which puts `script_prefix` before a relative STATIC_URL)."""
    return static(path)


@register.simple_tag
def asset(path: str) -> str:
    """The URL of the static file `path`, as `{% static path %}` gives it."""
    return _static_url(path, get_script_prefix())
