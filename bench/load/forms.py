"""Reading HTML forms the way a browser submits them (no Django, no gevent: plain stdlib).

`forms(html)` returns each `<form>` with its action, method and the values a browser would send
if the person pressed submit without touching anything; `Form.choices` lists, per radio or
checkbox group, the values offered, so a simulated person can pick one.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str | None
    method: str
    classes: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # radio/checkbox groups
    options: dict[str, list[str]] = field(default_factory=dict)  # <select> options

    def names(self) -> set[str]:
        return {name for name, _ in self.fields} | set(self.choices) | set(self.options)

    def data(self, overrides: dict[str, str | list[str]] | None = None) -> list[tuple[str, str]]:
        """The fields to post: the form's own values, each name in `overrides` replaced."""
        overrides = overrides or {}
        sent = [(name, value) for name, value in self.fields if name not in overrides]
        for name, value in overrides.items():
            for one in value if isinstance(value, list) else [value]:
                sent.append((name, one))
        return sent


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_chosen = False
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self._form = Form(
                action=attrs.get("action"),
                method=(attrs.get("method") or "get").lower(),
                classes=attrs.get("class", ""),
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("radio", "checkbox"):
                form.choices.setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    form.fields.append((name, attrs.get("value", "on")))
            else:
                form.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_chosen = name, False
            form.options[name] = []
        elif tag == "option" and self._select:
            self._option_value = attrs.get("value")
            self._text = []
            if "selected" in attrs and self._option_value is not None:
                form.fields.append((self._select, self._option_value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None or self._option_value is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        form = self._form
        if tag == "form":
            self._form = None
        elif form is None:
            return
        elif tag == "option" and self._select:
            value = self._option_value
            if value is None:
                value = "".join(self._text).strip()
            form.options[self._select].append(value)
            self._option_value = None
        elif tag == "select" and self._select:
            offered = form.options[self._select]
            if not self._select_chosen and offered:  # a browser sends the first option
                form.fields.append((self._select, offered[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            form.fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None


def forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.forms


def find_form(html: str, *, has: str | None = None, action: str | None = None) -> Form | None:
    """The first form that posts and has the field `has`, or whose action contains `action`."""
    for form in forms(html):
        if form.method != "post":
            continue
        if has is not None and has in form.names():
            return form
        if action is not None and form.action and action in form.action:
            return form
    return None
