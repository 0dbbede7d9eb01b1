"""The `navigation` template library: the main menu, rendered once per page and remembered,
and `{% fixed_url 'home' %}`, the URL of a view that takes no arguments, remembered.

`base.html` shows the menu twice (the top bar, and the phone menu): both are the same HTML, so
the second is the first's output. And the menu's HTML depends only on the items, the person's
name and roles and the current path, so it is rendered from exactly those values, nothing else
of the page's context, and remembered under them (per process, the most recently used few
thousand); only the CSRF token of its sign-out form is the request's own.
"""

from functools import lru_cache

from django import template
from django.template import Context
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

MENU_TEMPLATE = "includes/nav.html"
# Stands in for the CSRF token in remembered HTML; no text a person wrote can contain it.
CSRF_MARKER = salted_hmac("relay.navigation.csrf-marker", "marker").hexdigest()


@lru_cache(maxsize=64)
def _url(name: str, script_prefix: str, urlconf) -> str:
    """`reverse(name)`, once per URL prefix and URLconf."""
    return reverse(name, urlconf=urlconf)


def fixed_url(name: str) -> str:
    """The URL of the view `name`, which takes no arguments: what `{% url name %}` gives."""
    return _url(name, get_script_prefix(), get_urlconf())


register.simple_tag(fixed_url, name="fixed_url")


@lru_cache(maxsize=4096)
def _menu_html(
    menu, script_prefix: str, path: str, display_name: str, items: tuple, roles: tuple
) -> str:
    """The menu from these values only (`menu` is the loaded template: a reload is a new key;
    `script_prefix` is what `{% url %}` in it depends on)."""
    values = {
        "request": {"path": path},
        "user": {"display_name": display_name},
        "nav_items": items,
        "user_roles": roles,
        "csrf_token": CSRF_MARKER,
    }
    return menu.render(Context(values, autoescape=menu.engine.autoescape))


@register.simple_tag(takes_context=True)
def main_menu(context) -> SafeString:
    """`includes/nav.html` for this page's person and path."""
    rendered = context.render_context.get(MENU_TEMPLATE)
    if rendered is None:
        html = _menu_html(
            # The engine's own template: the cached loader hands out the same object each time.
            context.template.engine.get_template(MENU_TEMPLATE),
            get_script_prefix(),
            context["request"].path,
            context["user"].display_name,
            tuple(context["nav_items"]),
            tuple(context["user_roles"]),
        )
        # The template escaped everything a person wrote; only the marker is replaced.
        rendered = mark_safe(html.replace(CSRF_MARKER, str(context["csrf_token"])))  # noqa: S308 - the marker becomes Django's CSRF token  # nosec B308
        context.render_context[MENU_TEMPLATE] = rendered
    return rendered


def local_target(request, target: str | None, fallback: str) -> str:
    """`target` (a form's "next") when it is a path on this site, else `fallback`: a redirect
    never sends anyone to another site."""
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback
