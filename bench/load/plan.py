"""The load test's cast: which seeded accounts sign in, and the records each one works on.

Run inside Django against the load database (`python -m bench.load.plan --out plan.json`, which
`bench.load.run` does before every run). The city of `seed_demo --size 10000` has thousands of
learners but one HR login and field training for a handful of trainees, so the cast is topped
up once, idempotently, through the same services the application uses:

- FTOs: generated field training officers who may sign for trainees of their organisation
  (`can_be_fto_of`) get field training started (by the trainee's supervisor, through
  `field_training_start`) for two trainees each;
- HR: a few generated active staff of the demo HR login's organisation get the HR role;
- every privileged account of the cast gets the demo TOTP authenticator (the published demo
  secret), so locust signs in with password and code as a person would.

Only the load database is touched; the demo's own logins are left as they are.
"""

import argparse
import json
import sys
from pathlib import Path

DEFAULT_LEARNERS = 160
DEFAULT_FTOS = 12
DEFAULT_HR = 6
DEFAULT_CREDENTIALS = 3000
TRAININGS_PER_FTO = 2


def build_plan(
    *,
    learners: int = DEFAULT_LEARNERS,
    ftos: int = DEFAULT_FTOS,
    hr: int = DEFAULT_HR,
    credentials: int = DEFAULT_CREDENTIALS,
    learner_offset: int = 0,
) -> dict:
    from bench.scenarios import FTO, HR, READINESS_ROLE
    from certificates.models import JobRole
    from lms.demo.people import DEMO_PASSWORD, DEMO_TOTP_SECRET

    plan = {
        "password": DEMO_PASSWORD,
        "totp_secret": DEMO_TOTP_SECRET,
        "learner_offset": learner_offset,
        "learners": _learners(learners, offset=learner_offset),
        "ftos": _ftos(ftos, demo_fto=FTO),
        "hr": _hr(hr, demo_hr=HR),
        "credentials": _credentials(credentials),
    }
    role = JobRole.objects.filter(name=READINESS_ROLE).first() or JobRole.objects.first()
    plan["readiness_role"] = role.pk if role else None
    return plan


def _learners(count: int, *, offset: int = 0) -> list[dict]:
    """Active learners with an open assignment of a live program: their modules (with
    sections), the modules with a quiz, and the scenarios of their programs."""
    from courses.models import Assignment, ModulePage
    from courses.permissions import can_take_module
    from lms.accounts.models import User
    from scenarios.models import ScenarioPage

    programs: dict[int, dict] = {}
    for module in ModulePage.objects.live().specific().order_by("path"):
        program_id = module.get_parent().pk
        entry = programs.setdefault(program_id, {"modules": [], "quizzes": [], "scenarios": []})
        if module.section_count:
            entry["modules"].append(module.pk)
        if getattr(module, "has_quiz", False):
            entry["quizzes"].append(module.pk)
    for page in ScenarioPage.objects.live().order_by("path"):
        program_id = page.get_parent().get_parent().pk
        if program_id in programs:
            programs[program_id]["scenarios"].append(page.pk)
    by_user: dict[int, dict] = {}
    rows = (
        Assignment.objects.open()
        .filter(program__live=True, user__is_active=True, program_id__in=list(programs))
        .order_by("user_id", "program_id")
        .values_list("user_id", "user__email", "program_id")
    )
    for user_id, email, program_id in rows:
        person = by_user.setdefault(
            user_id, {"email": email, "modules": [], "quizzes": [], "scenarios": []}
        )
        for key in ("modules", "quizzes", "scenarios"):
            person[key].extend(programs[program_id][key])
    from lms.accounts.roles import ROLE_DEFINITIONS, Role

    # Learners only: a privileged account would need a second factor (and is cast elsewhere).
    privileged = set(
        Assignment.objects.filter(
            user__groups__name__in=[
                d.group_name for d in ROLE_DEFINITIONS.values() if d.role != Role.LEARNER
            ]
        ).values_list("user_id", flat=True)
    )
    people = [
        p
        for user_id, p in by_user.items()
        if p["modules"] and p["quizzes"] and user_id not in privileged
    ]
    # Spread over the city (not the first N by id), and other people on each run (`offset`):
    # the same people would have used up their quiz and scenario attempts after a few runs, and
    # the load would no longer submit anything. Each keeps only the modules they may open
    # today (prerequisites and field modules lock some).
    step = max(len(people) // max(count, 1), 1)
    chosen = people[offset % step :: step]
    users = User.objects.in_bulk([p["email"] for p in chosen], field_name="email")
    pages = ModulePage.objects.live().specific().in_bulk()
    cast = []
    for person in chosen:
        user = users[person["email"]]
        for key in ("modules", "quizzes"):
            person[key] = [pk for pk in person[key] if can_take_module(user=user, module=pages[pk])]
        if person["modules"]:
            cast.append(person)
    return cast[:count]


def _activate_totp(user) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from lms.demo.people import DEMO_TOTP_SECRET

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def _ftos(count: int, *, demo_fto: str) -> list[dict]:
    from django.core.exceptions import PermissionDenied, ValidationError

    from courses import permissions
    from courses.models import FieldTraining, FieldTrainingStatus, RideAlong, TaskBookPage
    from courses.services import field as field_services
    from lms.accounts.models import StaffProfile, StaffStatus, User
    from lms.accounts.roles import ROLE_DEFINITIONS, Role

    books = list(TaskBookPage.objects.live().order_by("title"))
    fto_group = ROLE_DEFINITIONS[Role.FTO].group_name
    chosen = [User.objects.get(email=demo_fto)]
    busy = set(
        FieldTraining.objects.filter(status=FieldTrainingStatus.ACTIVE).values_list(
            "trainee_id", flat=True
        )
    )
    candidates = (
        User.objects.filter(groups__name=fto_group, is_active=True)
        .exclude(email=demo_fto)
        .select_related("staff_profile")
        .order_by("pk")
    )
    for fto in candidates:
        if len(chosen) >= count:
            break
        own = getattr(fto, "staff_profile", None)
        if own is None or own.status != StaffStatus.ACTIVE:
            continue
        active = FieldTraining.objects.filter(primary_fto=fto, status=FieldTrainingStatus.ACTIVE)
        needed = TRAININGS_PER_FTO - active.count()
        trainees = (
            StaffProfile.objects.filter(
                organisation_id=own.organisation_id,
                status=StaffStatus.TRAINEE,
                supervisor__isnull=False,
                user__is_active=True,
            )
            .exclude(user_id__in=busy)
            .exclude(user=fto)
            .select_related("user", "organisation", "supervisor", "job_role")
            .order_by("pk")
        )
        for profile in trainees:
            if needed <= 0:
                break
            if not permissions.can_be_fto_of(fto=fto, profile=profile):
                break  # not qualified (or not in the organisation): try another FTO
            book = next(
                (b for b in books if not b.job_roles.exists())
                if profile.job_role_id is None
                else (b for b in books if b.job_roles.filter(pk=profile.job_role_id).exists()),
                None,
            )
            if book is None:
                continue
            try:
                field_services.field_training_start(
                    actor=profile.supervisor,
                    profile=profile,
                    task_book=book,
                    primary_fto=fto,
                )
            except (ValidationError, PermissionDenied):
                continue
            busy.add(profile.user_id)
            needed -= 1
        if FieldTraining.objects.filter(
            primary_fto=fto, status=FieldTrainingStatus.ACTIVE
        ).exists():
            chosen.append(fto)
    cast = []
    for fto in chosen:
        _activate_totp(fto)
        trainings = []
        for training in (
            FieldTraining.objects.filter(primary_fto=fto, status=FieldTrainingStatus.ACTIVE)
            .select_related("organisation", "trainee__staff_profile")
            .order_by("pk")
        ):
            spec = field_services.spec_of(training)
            earliest = (
                RideAlong.objects.filter(trainee=training.trainee)
                .order_by("started_at")
                .values_list("started_at", flat=True)
                .first()
            )
            hired = training.trainee.staff_profile.hire_date
            trainings.append(
                {
                    "pk": training.pk,
                    "tasks": [task.id for phase in spec.phases for task in phase.tasks],
                    "zone": training.organisation.time_zone,
                    # Shifts are logged before the trainee's earliest one, after the hire date.
                    "earliest": earliest.isoformat() if earliest else None,
                    "hire_date": (hired or training.started_on).isoformat(),
                }
            )
        cast.append({"email": fto.email, "trainings": trainings})
    return cast


def _hr(count: int, *, demo_hr: str) -> list[dict]:
    from django.contrib.auth.models import Group

    from lms.accounts.models import StaffStatus, User
    from lms.accounts.roles import ROLE_DEFINITIONS, Role

    group = Group.objects.get(name=ROLE_DEFINITIONS[Role.HR].group_name)
    lead = User.objects.select_related("staff_profile").get(email=demo_hr)
    chosen = [lead]
    others = (
        User.objects.filter(
            is_active=True,
            staff_profile__organisation_id=lead.staff_profile.organisation_id,
            staff_profile__status=StaffStatus.ACTIVE,
        )
        .exclude(pk=lead.pk)
        .exclude(email__endswith="@relay.test")
        # Plain learners (or those already made HR by an earlier run), never an FTO of the cast.
        .exclude(
            groups__name__in=[
                d.group_name
                for d in ROLE_DEFINITIONS.values()
                if d.role not in (Role.LEARNER, Role.HR)
            ]
        )
        .order_by("pk")
    )
    for user in others[: max(count - 1, 0)]:
        user.groups.add(group)
        chosen.append(user)
    for user in chosen:
        _activate_totp(user)
    return [{"email": user.email} for user in chosen]


def _credentials(count: int) -> list[dict]:
    """Public ids (what a certificate's QR code carries) of credentials the verify page shows."""
    from certificates.models import Credential
    from certificates.views.verify import PUBLIC_VERIFICATION

    ids = (
        Credential.objects.filter(verification__in=PUBLIC_VERIFICATION)
        .order_by("pk")
        .values_list("public_id", flat=True)
    )
    total = ids.count()
    step = max(total // max(count, 1), 1)
    return [str(public_id) for public_id in list(ids)[::step][:count]]


def _next_learner_offset(previous_plan: Path) -> int:
    """One more than the previous run's, so each run casts learners who have not yet used up
    their attempts; 0 on the first run."""
    try:
        return int(json.loads(previous_plan.read_text()).get("learner_offset", -1)) + 1
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load.plan", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--learners", type=int, default=DEFAULT_LEARNERS)
    parser.add_argument("--ftos", type=int, default=DEFAULT_FTOS)
    parser.add_argument("--hr", type=int, default=DEFAULT_HR)
    parser.add_argument("--seed-size", type=int, default=None, help="seed_demo --size if needed")
    parser.add_argument("--marker", type=Path, default=None, help="records a finished build")
    args = parser.parse_args(argv)

    import django

    django.setup()
    if args.seed_size is not None:
        from bench.runner import build_database

        # Migrates and seeds unless the marker records a build of this size and the demo
        # logins are still there; then any migration added since is applied.
        build = build_database(size=args.seed_size, marker=args.marker)
        if build.reused:
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
    plan = build_plan(
        learners=args.learners,
        ftos=args.ftos,
        hr=args.hr,
        learner_offset=_next_learner_offset(args.out),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(plan, indent=1) + "\n")
    sys.stdout.write(
        f"Load cast: {len(plan['learners'])} learners, {len(plan['ftos'])} FTOs, "
        f"{len(plan['hr'])} HR, {len(plan['credentials'])} credentials to verify\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
