"""HR edits the job-role catalogue in the Wagtail admin."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import JobRole


class JobRoleViewSet(ModelViewSet):
    model = JobRole
    icon = "group"
    menu_label = "Job roles"
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "onet_soc_code", "soc_verified"]
    search_fields = ["name", "onet_soc_code"]
    form_fields = ["name", "onet_soc_code", "soc_verified", "description"]


@hooks.register("register_admin_viewset")
def register_job_role_viewset():
    return JobRoleViewSet("job-roles")
