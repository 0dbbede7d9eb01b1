"""The `navigation` template library: the main menu, rendered once per page.

`base.html` shows the menu twice (the top bar, and the phone menu); both are the same HTML, so
the second is the first's output.
"""

from django import template

register = template.Library()

MENU_TEMPLATE = "includes/nav.html"


@register.simple_tag(takes_context=True)
def main_menu(context) -> str:
    """`includes/nav.html` in this page's context; rendered the first time, then reused."""
    rendered = context.render_context.get(MENU_TEMPLATE)
    if rendered is None:
        rendered = context.template.engine.get_template(MENU_TEMPLATE).render(context)
        context.render_context[MENU_TEMPLATE] = rendered
    return rendered
