"""Learner, supervisor and HR pages of the curriculum. Thin: parse, check, call, render."""

import csv
import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lms.accounts.models import Organisation, StaffProfile
from lms.accounts.permissions import can_view_staff
from lms.navigation import local_target
from lms.spreadsheets import safe_cell

from . import selectors
from .content import quiz_spec
from .engines import question_order
from .forms import AssignForm, GridFilterForm, ReasonForm
from .models import (
    Assignment,
    ModulePage,
    ModuleProgress,
    ProtocolPage,
    QuizAttempt,
    TrainingProgramPage,
)
from .permissions import can_assign, can_reset, can_take_module, can_view_team_progress
from .services import assignment as assignment_services
from .services import progress as progress_services
from .services import protocol as protocol_services
from .services.quiz import quiz_submit

GRID_PAGE_SIZE = 50


def _live_module_or_404(pk: int) -> ModulePage:
    module = ModulePage.objects.live().filter(pk=pk).first()
    if module is None:
        raise Http404
    return module


def _module_for_learner(request, pk: int) -> ModulePage:
    module = _live_module_or_404(pk)
    if not can_take_module(user=request.user, module=module):
        raise PermissionDenied
    return module


@login_required
def program(request, pk: int):
    page = get_object_or_404(TrainingProgramPage.objects.live(), pk=pk)
    card = selectors.program_card(user=request.user, program=page)
    if card is None:
        raise PermissionDenied
    return render(request, "courses/program.html", {"card": card, "program": page})


@login_required
def module(request, pk: int):
    page = _module_for_learner(request, pk)
    index = request.GET.get("section")
    index = int(index) if index and index.isdigit() else None
    state = selectors.module_player(user=request.user, module=page, index=index)
    if page.section_count:
        # Recording the view changes only the progress row (never the attempts, nor the
        # program): the player shows the row as it now is without being read again.
        progress = progress_services.section_view(user=request.user, module=page, index=state.index)
        state = dataclasses.replace(state, progress=progress)
    return render(request, "courses/module.html", {"state": state, "module": page})


@login_required
@require_POST
def knowledge_check(request, pk: int, index: int, position: int):
    """A formative question inside a section: checked on the server, never graded."""
    page = _module_for_learner(request, pk)
    if not 0 <= index < page.section_count:
        raise Http404
    content = page.body[index].value["content"]
    if not 0 <= position < len(content) or content[position].block_type != "knowledge_check":
        raise Http404
    check = content[position]
    options = list(check.value["options"])
    chosen = request.POST.get("option", "")
    picked = options[int(chosen)] if chosen.isdigit() and int(chosen) < len(options) else None
    state = selectors.module_player(user=request.user, module=page, index=index)
    feedback = {"position": position, "picked": picked, "choice": chosen}
    if picked is None:
        feedback["error"] = "Choose one of the options."
    return render(
        request,
        "courses/module.html",
        {"state": state, "module": page, "check_feedback": feedback},
        status=200 if picked else 400,
    )


def _quiz_questions(request, page, attempt_number: int):
    seed = f"{request.user.pk}:{page.pk}:{attempt_number}"
    return question_order(quiz_spec(page), shuffle=page.shuffle_questions, seed=seed)


@login_required
def quiz(request, pk: int):
    page = _module_for_learner(request, pk)
    if not page.has_quiz:
        raise Http404
    state = selectors.module_player(user=request.user, module=page)
    questions = _quiz_questions(request, page, len(state.attempts) + 1)
    errors = []
    chosen: dict[str, list[str]] = {}
    if request.method == "POST":
        chosen = {
            key[2:]: request.POST.getlist(key) for key in request.POST if key.startswith("q-")
        }
        try:
            outcome = quiz_submit(user=request.user, module=page, answers=chosen)
        except ValidationError as error:
            errors = error.messages
        else:
            return redirect("courses:quiz_result", pk=page.pk, attempt=outcome.attempt.pk)
    return render(
        request,
        "courses/quiz.html",
        {
            "state": state,
            "module": page,
            "questions": questions,
            "errors": errors,
            "chosen": chosen,
        },
        status=400 if errors else 200,
    )


@login_required
def quiz_result(request, pk: int, attempt: int):
    page = _live_module_or_404(pk)
    record = get_object_or_404(QuizAttempt, pk=attempt, module=page, user=request.user)
    # Feedback comes from the revision the attempt was graded against, not today's page.
    graded = record.revision.as_object()
    questions = quiz_spec(graded)
    state = selectors.module_player(user=request.user, module=page)
    results = [
        {
            "question": question,
            "chosen": set(record.answers.get(question.id, [])),
            "correct": set(record.answers.get(question.id, [])) == question.correct_ids,
        }
        for question in questions
    ]
    return render(
        request,
        "courses/quiz_result.html",
        {
            "state": state,
            "module": page,
            "attempt": record,
            "results": results,
            # Correct options are shown once they can no longer help a later attempt.
            "reveal": state.passed or state.attempts_left == 0,
        },
    )


@login_required
def protocol(request, pk: int):
    page = get_object_or_404(ProtocolPage.objects.live(), pk=pk)
    if not protocol_services.can_read_protocol(user=request.user, protocol=page):
        raise PermissionDenied
    if request.method == "POST":
        try:
            protocol_services.protocol_acknowledge(user=request.user, protocol=page)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"You acknowledged {page.title}, version {page.version}.")
        return redirect("courses:protocol", pk=page.pk)
    last, changes = protocol_services.changes_since_acknowledged(user=request.user, protocol=page)
    version = page.versions.order_by("-version").first()
    current = last is not None and version is not None and last.protocol_version_id == version.pk
    return render(
        request,
        "courses/protocol.html",
        {
            "protocol": page,
            "version": version,
            "last": last,
            "changes": changes,
            "is_current": current,
        },
    )


@login_required
def transcript(request):
    return render(
        request, "courses/transcript.html", {"transcript": selectors.transcript(user=request.user)}
    )


# --- Supervisors and HR -----------------------------------------------------------------------


def _ensure_team_viewer(request) -> None:
    if not can_view_team_progress(user=request.user):
        raise PermissionDenied


@login_required
def team(request):
    _ensure_team_viewer(request)
    return render(
        request,
        "courses/team.html",
        {"programs": selectors.programs_for_team(viewer=request.user)},
    )


@login_required
def team_grid(request, pk: int):
    _ensure_team_viewer(request)
    page = get_object_or_404(TrainingProgramPage.objects.live(), pk=pk)
    organisations = Organisation.objects.filter(
        pk__in=selectors.team_profiles(viewer=request.user).values("organisation")
    )
    form = GridFilterForm(request.GET or None)
    form.fields["organisation"].queryset = organisations
    filters = form.cleaned_data if form.is_valid() else {}
    org = filters.get("organisation")
    assignments = selectors.team_assignments(
        viewer=request.user,
        program=page,
        organisation_id=org.pk if org else None,
        only_overdue=filters.get("overdue", False),
        q=filters.get("q", ""),
    )
    if request.GET.get("format") == "csv":
        return _grid_csv(request, page, assignments)
    paginator = Paginator(assignments, GRID_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    grid = selectors.team_grid(
        viewer=request.user, program=page, assignments_qs=page_obj.object_list
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "courses/team_grid.html",
        {"grid": grid, "form": form, "page": page_obj, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value):
        return value


def _grid_csv(request, program, assignments):
    """Stream the whole filtered grid, a page of people at a time (constant queries a page)."""
    writer = csv.writer(_Echo())

    def rows():
        modules = selectors.modules_by_program([program])[program.pk]
        yield writer.writerow(
            ["Name", "Email", "Employee id", "Organisation", "Assigned", "Due", "Completed"]
            + [safe_cell(m.title) for m in modules]
        )
        paginator = Paginator(assignments, 500)
        for number in paginator.page_range:
            grid = selectors.team_grid(
                viewer=request.user,
                program=program,
                assignments_qs=paginator.page(number).object_list,
            )
            for row in grid.rows:
                a = row.assignment
                yield writer.writerow(
                    [
                        safe_cell(a.user.display_name),
                        safe_cell(a.user.email),
                        safe_cell(row.profile.employee_id),
                        safe_cell(row.profile.organisation.name),
                        a.assigned_on.isoformat(),
                        a.due_on.isoformat(),
                        a.completed_at.date().isoformat() if a.completed_at else "",
                    ]
                    + [cell.status_label for cell in row.cells]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="progress-{program.slug}.csv"'
    return response


@login_required
def assign(request, profile_pk: int):
    profile = get_object_or_404(StaffProfile.objects.with_people(), pk=profile_pk)
    if not can_view_staff(viewer=request.user, profile=profile):
        raise Http404
    if not can_assign(actor=request.user, profile=profile):
        raise PermissionDenied
    form = AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment_services.assignment_create(
                actor=request.user,
                profile=profile,
                program=form.cleaned_data["program"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, f"Assigned {form.cleaned_data['program'].title}.")
            return redirect("accounts:staff_detail", pk=profile.pk)
    assignments = Assignment.objects.filter(user=profile.user).select_related("program", "ended_by")
    return render(
        request,
        "courses/assign.html",
        {"profile": profile, "form": form, "assignments": assignments, "end_form": ReasonForm()},
    )


@login_required
@require_POST
def assignment_end(request, pk: int):
    assignment = get_object_or_404(Assignment.objects.select_related("user__staff_profile"), pk=pk)
    profile = assignment.user.staff_profile
    if not can_view_staff(viewer=request.user, profile=profile):
        raise Http404
    if not can_assign(actor=request.user, profile=profile):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for unassigning.")
    else:
        try:
            assignment_services.assignment_end(
                actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Unassigned {assignment.program_title}; history kept.")
    return redirect("courses:assign", profile_pk=profile.pk)


@login_required
@require_POST
def progress_reset(request, pk: int):
    progress = get_object_or_404(
        ModuleProgress.objects.select_related("user__staff_profile", "module"), pk=pk
    )
    profile = progress.user.staff_profile
    if not can_view_staff(viewer=request.user, profile=profile):
        raise Http404
    if not can_reset(actor=request.user, progress=progress):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the reset.")
    else:
        try:
            progress_services.progress_reset(
                actor=request.user, progress=progress, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{progress.module.title} reopened for {progress.user.display_name}."
            )
    return redirect(local_target(request, request.POST.get("next"), reverse("courses:team")))


@login_required
def team_protocols(request):
    if not request.user.has_perm("courses.view_protocol_compliance"):
        raise PermissionDenied
    return render(
        request,
        "courses/team_protocols.html",
        {"rows": selectors.protocol_compliance(viewer=request.user)},
    )
