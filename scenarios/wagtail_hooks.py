"""Role-play rubrics and scenario completion requirements in the one admin (snippets)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import RoleplayRubric, ScenarioRequirement


class RoleplayRubricViewSet(SnippetViewSet):
    model = RoleplayRubric
    icon = "list-ul"
    menu_label = "Role-play rubrics"
    list_display = ["name"]
    search_fields = ["name"]


class ScenarioRequirementViewSet(SnippetViewSet):
    """Per scenario: whether the online scenario, a coach's "competent" and a live role-play
    are required to complete its module. Scenarios without one need a passed online attempt."""

    model = ScenarioRequirement
    icon = "tasks"
    menu_label = "Scenario requirements"
    list_display = ["scenario", "online_required", "require_coach_competent", "require_roleplay"]


class CoachingGroup(SnippetViewSetGroup):
    items = (RoleplayRubricViewSet, ScenarioRequirementViewSet)
    menu_icon = "list-ul"
    menu_label = "Coaching and role-play"
    menu_name = "coaching"


register_snippet(CoachingGroup)
