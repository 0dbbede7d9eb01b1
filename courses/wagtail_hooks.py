"""Curriculum authoring in the one admin: the competency framework, call types, and protocol
publishing."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import CallType, Competency, CompetencyCategory, ProtocolPage
from .services.protocol import protocol_version_record


class CompetencyCategoryViewSet(SnippetViewSet):
    model = CompetencyCategory
    icon = "folder-open-inverse"
    menu_label = "Categories"
    list_display = ["name", "sort_order"]
    form_fields = ["name", "slug", "description", "sort_order"]


class CompetencyViewSet(SnippetViewSet):
    model = Competency
    icon = "tick-inverse"
    menu_label = "Competencies"
    list_display = ["name", "category"]
    list_filter = ["category"]
    search_fields = ["name"]
    form_fields = ["category", "name", "description"]


class CompetencyFrameworkGroup(SnippetViewSetGroup):
    items = (CompetencyCategoryViewSet, CompetencyViewSet)
    menu_icon = "tick-inverse"
    menu_label = "Competency framework"
    menu_name = "competencies"


register_snippet(CompetencyFrameworkGroup)


class CallTypeViewSet(SnippetViewSet):
    """The call types an FTO picks from when logging a ride-along. Retire one by unticking
    "active": shifts already logged keep it."""

    model = CallType
    icon = "list-ul"
    menu_label = "Call types"
    list_display = ["name", "active", "sort_order"]
    form_fields = ["name", "active", "sort_order"]


register_snippet(CallTypeViewSet)


@hooks.register("after_publish_page")
def record_protocol_version(request, page):
    """A published protocol whose version number rose asks its audience to re-acknowledge."""
    if isinstance(page.specific, ProtocolPage):
        protocol_version_record(protocol=page.specific)
