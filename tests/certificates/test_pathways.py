"""The career map's rules (pure), and HR's job-role form in the Wagtail admin that applies
them: a role with its requirements and pathways, refused as a whole when anything is wrong."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from certificates.models import (
    CredentialType,
    JobRole,
    Pathway,
    PathwayKind,
    RequirementLevel,
    RoleCredential,
)
from certificates.pathways import LATERAL, PROGRESSIVE, Edge, ProblemKind, pathway_problems
from tests.factories.certificates import (
    CredentialTypeFactory,
    JobRoleFactory,
    pathway,
    require,
)

# --- the rules, without a database ----------------------------------------------------------------


def edge(a: str, b: str, kind: str = PROGRESSIVE) -> Edge:
    return Edge(a, b, kind, a.title(), b.title())


def messages_of(edges, **kwargs) -> list[str]:
    return [problem.message for problem in pathway_problems(edges, **kwargs)]


def test_the_kinds_are_the_models():
    assert (LATERAL, PROGRESSIVE) == (PathwayKind.LATERAL, PathwayKind.PROGRESSIVE)


def test_a_sound_map_has_no_problems():
    edges = [
        edge("responder", "telecommunicator", LATERAL),
        edge("telecommunicator", "responder", LATERAL),  # sideways both ways is normal
        edge("responder", "supervisor"),
        edge("telecommunicator", "supervisor"),
        edge("supervisor", "manager"),
        edge("responder", "manager"),  # a shortcut is not a cycle
    ]
    assert pathway_problems(edges) == []
    assert pathway_problems([]) == []


def test_a_role_cannot_lead_to_itself():
    problems = pathway_problems([edge("responder", "responder", LATERAL)])
    assert [p.kind for p in problems] == [ProblemKind.SELF]
    assert problems[0].message == "“Responder” cannot have a pathway to itself."
    assert problems[0].edges == (("responder", "responder"),)


def test_the_same_pair_twice_is_refused_whatever_the_kinds():
    assert messages_of([edge("a", "b"), edge("a", "b")]) == [
        "The pathway from “A” to “B” is listed twice; keep one."
    ]
    problems = pathway_problems([edge("a", "b", LATERAL), edge("a", "b")])
    assert [p.kind for p in problems] == [ProblemKind.DUPLICATE]


def test_a_pair_joined_laterally_and_progressively_is_refused():
    problems = pathway_problems([edge("a", "b", LATERAL), edge("b", "a")])
    assert [p.kind for p in problems] == [ProblemKind.CONFLICT]
    assert problems[0].message == (
        "“A” and “B” are joined both laterally and progressively; a move between two roles "
        "is one or the other."
    )
    assert set(problems[0].edges) == {("a", "b"), ("b", "a")}


def test_nobody_can_progress_in_a_circle():
    edges = [edge("responder", "senior"), edge("senior", "manager"), edge("manager", "responder")]
    problems = pathway_problems(edges)
    assert [p.kind for p in problems] == [ProblemKind.CYCLE]
    assert problems[0].message.startswith(
        "Nobody can progress in a circle: Manager → Responder → Senior → Manager."
    )
    assert set(problems[0].edges) == {e.pair for e in edges}
    # Two roles progressing to each other is the smallest circle.
    assert pathway_problems([edge("a", "b"), edge("b", "a")])[0].kind == ProblemKind.CYCLE


def test_a_lateral_edge_never_closes_a_circle():
    assert pathway_problems([edge("a", "b"), edge("b", "c"), edge("c", "a", LATERAL)]) == []


def test_changed_from_reports_only_what_the_changed_role_is_part_of():
    stored = [edge("x", "y"), edge("y", "x"), edge("x", "x")]  # old problems elsewhere
    mine = [edge("a", "b"), edge("b", "a")]
    assert messages_of(stored + mine, changed_from="c") == []
    problems = pathway_problems(stored + mine, changed_from="b")
    assert [p.kind for p in problems] == [ProblemKind.CYCLE]
    assert "B → A → B" in problems[0].message  # told from the changed role's side


def test_a_long_chain_is_fine():
    chain = [edge(f"r{n:04d}", f"r{n + 1:04d}") for n in range(3000)]
    assert pathway_problems(chain) == []
    assert [p.kind for p in pathway_problems([*chain, edge("r3000", "r0000")])] == [
        ProblemKind.CYCLE
    ]


@st.composite
def dags(draw):
    """A random sound map: progressive edges only from a lower to a higher number (so no
    circle), lateral edges anywhere else, in both directions if drawn."""
    size = draw(st.integers(min_value=2, max_value=9))
    pairs = [(a, b) for a in range(size) for b in range(size) if a != b]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=25))
    progressive = {(a, b) for a, b in chosen if a < b and draw(st.booleans())}
    couples = {frozenset(p) for p in progressive}
    lateral = {(a, b) for a, b in chosen if frozenset((a, b)) not in couples}
    edges = [Edge(a, b, PROGRESSIVE, f"R{a}", f"R{b}") for a, b in sorted(progressive)]
    edges += [Edge(a, b, LATERAL, f"R{a}", f"R{b}") for a, b in sorted(lateral)]
    return size, edges


def _reachable(edges, start):
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for e in edges:
            if e.kind == PROGRESSIVE and e.from_id == node and e.to_id not in seen:
                seen.add(e.to_id)
                todo.append(e.to_id)
    return seen


@given(dags())
def test_random_sound_maps_are_accepted(dag):
    _, edges = dag
    assert pathway_problems(edges) == []


@given(dags(), st.data())
def test_a_progressive_back_edge_is_refused(dag, data):
    _, edges = dag
    progressive = [e for e in edges if e.kind == PROGRESSIVE]
    if not progressive:
        return
    first = data.draw(st.sampled_from(progressive))
    last = data.draw(st.sampled_from(sorted(_reachable(edges, first.to_id) - {first.from_id})))
    back = Edge(last, first.from_id, PROGRESSIVE, f"R{last}", f"R{first.from_id}")
    if any(e.pair == back.pair for e in edges):
        return  # a lateral edge there already: that would be a duplicate instead
    problems = pathway_problems([*edges, back], changed_from=last)
    assert ProblemKind.CYCLE in [p.kind for p in problems]
    cycle = next(p for p in problems if p.kind == ProblemKind.CYCLE)
    assert back.pair in cycle.edges
    assert cycle.message.startswith(f"Nobody can progress in a circle: R{last} → ")


# --- HR's form in the admin -----------------------------------------------------------------------


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _form(*, requirements=(), pathways=(), initial_pathways=0, **fields) -> dict[str, str]:
    """The admin form's POST: role fields, then rows of (credential type, level) and of
    (to role, kind, notes[, id])."""
    data = {
        "name": "Senior community responder",
        "onet_soc_code": "21-1093.00",
        "soc_verified": "",
        "department": "Alder Bay Office of Community Safety",
        "pay_grade": "CS-08",
        "description": "Leads a two-person team on shift.",
        "minimum_months_in_role": "12",
        "requires_field_release": "on",
        "education_notes": "High school diploma; CIT within a year.",
    } | fields
    data |= _management("credential_requirements", len(requirements))
    for n, (credential_type, level) in enumerate(requirements):
        data |= {
            f"credential_requirements-{n}-id": "",
            f"credential_requirements-{n}-credential_type": str(credential_type.pk),
            f"credential_requirements-{n}-level": level,
        }
    data |= _management("pathways_out", len(pathways), initial_pathways)
    for n, row in enumerate(pathways):
        to_role, kind, notes = row[:3]
        data |= {
            f"pathways_out-{n}-id": str(row[3]) if len(row) > 3 else "",
            f"pathways_out-{n}-to_role": str(to_role.pk),
            f"pathways_out-{n}-kind": kind,
            f"pathways_out-{n}-notes": notes,
        }
    return data


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def roles(db):
    responder = JobRoleFactory(name="Community responder")
    manager = JobRoleFactory(name="Program manager")
    telecommunicator = JobRoleFactory(name="911 telecommunicator")
    pathway(responder, manager, PathwayKind.PROGRESSIVE)
    pathway(responder, telecommunicator, PathwayKind.LATERAL)
    return responder, manager, telecommunicator


@pytest.fixture
def types(db):
    bls = CredentialTypeFactory(name="BLS Provider (CPR/AED)", slug="aha-bls")
    cit = CredentialTypeFactory(name="Crisis Intervention Team", slug="cit40")
    retired = CredentialTypeFactory(name="Old first aid card", slug="old-first-aid", active=False)
    return bls, cit, retired


@pytest.mark.django_db
def test_hr_adds_a_role_with_requirements_and_pathways(client_for, roles, types):
    _, manager, telecommunicator = roles
    bls, cit, _ = types
    client = client_for("hr")
    assert client.get(reverse("job-roles:add")).status_code == 200
    response = client.post(
        reverse("job-roles:add"),
        _form(
            requirements=[(bls, RequirementLevel.REQUIRED), (cit, RequirementLevel.PREFERRED)],
            pathways=[
                (manager, PathwayKind.PROGRESSIVE, "After two years leading a team."),
                (telecommunicator, PathwayKind.LATERAL, ""),
            ],
        ),
    )
    assert response.status_code == 302, _messages(response)
    role = JobRole.objects.get(name="Senior community responder")
    assert (role.department, role.pay_grade, role.minimum_months_in_role) == (
        "Alder Bay Office of Community Safety",
        "CS-08",
        12,
    )
    assert role.requires_field_release
    assert set(role.credential_requirements.values_list("credential_type__slug", "level")) == {
        ("aha-bls", RequirementLevel.REQUIRED),
        ("cit40", RequirementLevel.PREFERRED),
    }
    assert set(role.pathways_out.values_list("to_role__name", "kind", "notes")) == {
        ("Program manager", PathwayKind.PROGRESSIVE, "After two years leading a team."),
        ("911 telecommunicator", PathwayKind.LATERAL, ""),
    }


@pytest.mark.django_db
def test_hr_lists_and_searches_roles_with_their_department_and_grade(client_for, roles):
    responder, manager, _ = roles
    JobRole.objects.filter(pk=responder.pk).update(
        department="Alder Bay Office of Community Safety", pay_grade="CS-07"
    )
    JobRole.objects.filter(pk=manager.pk).update(department="Office of <b>Budget</b>")
    client = client_for("hr")
    response = client.get(reverse("job-roles:index"))
    assert response.status_code == 200
    content = response.content.decode()
    for text in ("Community responder", "21-1094.00", "CS-07", "Alder Bay Office of"):
        assert text in content
    assert "Office of &lt;b&gt;Budget&lt;/b&gt;" in content
    searched = client.get(reverse("job-roles:index"), {"q": "CS-07"})
    assert "Community responder" in searched.content.decode()
    assert "Program manager" not in searched.content.decode()


def _refused(response, message: str) -> None:
    assert response.status_code == 200  # the form again, with what is wrong
    assert message in _messages(response)
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")


@pytest.mark.django_db
def test_a_pathway_to_the_role_itself_is_refused(client_for, roles):
    responder, manager, telecommunicator = roles
    edit = reverse("job-roles:edit", args=[responder.pk])
    stored = {p.to_role_id: p.pk for p in responder.pathways_out.all()}
    response = client_for("hr").post(
        edit,
        _form(
            name="Community responder",
            pathways=[
                (manager, PathwayKind.PROGRESSIVE, "", stored[manager.pk]),
                (telecommunicator, PathwayKind.LATERAL, "", stored[telecommunicator.pk]),
                (responder, PathwayKind.LATERAL, "Sideways to itself"),
            ],
            initial_pathways=2,
        ),
    )
    _refused(response, "“Community responder” cannot have a pathway to itself.")
    responder.refresh_from_db()
    assert responder.pay_grade == ""  # nothing of the form was saved
    assert responder.pathways_out.count() == 2
    assert not Pathway.objects.filter(notes="Sideways to itself").exists()


@pytest.mark.django_db
def test_an_existing_pathway_turned_to_itself_is_refused(client_for, roles):
    responder, manager, telecommunicator = roles
    stored = {p.to_role_id: p.pk for p in responder.pathways_out.all()}
    response = client_for("hr").post(
        reverse("job-roles:edit", args=[responder.pk]),
        _form(
            name="Community responder",
            pathways=[
                (responder, PathwayKind.PROGRESSIVE, "", stored[manager.pk]),
                (telecommunicator, PathwayKind.LATERAL, "", stored[telecommunicator.pk]),
            ],
            initial_pathways=2,
        ),
    )
    _refused(response, "“Community responder” cannot have a pathway to itself.")
    assert Pathway.objects.get(pk=stored[manager.pk]).to_role == manager


@pytest.mark.django_db
def test_the_same_pathway_twice_is_refused(client_for, roles):
    _, manager, _ = roles
    response = client_for("hr").post(
        reverse("job-roles:add"),
        _form(
            pathways=[
                (manager, PathwayKind.PROGRESSIVE, ""),
                (manager, PathwayKind.PROGRESSIVE, "again"),
            ]
        ),
    )
    _refused(
        response,
        "The pathway from “Senior community responder” to “Program manager” is listed twice; "
        "keep one.",
    )
    assert not JobRole.objects.filter(name="Senior community responder").exists()
    assert Pathway.objects.count() == 2


@pytest.mark.django_db
def test_a_progressive_circle_is_refused(client_for, roles):
    responder, manager, _ = roles
    client = client_for("hr")
    senior = JobRoleFactory(name="Senior responder")
    pathway(senior, manager, PathwayKind.PROGRESSIVE)
    # The manager's role would lead back to the responder: responder → manager → responder.
    response = client.post(
        reverse("job-roles:edit", args=[manager.pk]),
        _form(
            name="Program manager",
            pathways=[(responder, PathwayKind.PROGRESSIVE, "Back to the field")],
        ),
    )
    _refused(
        response,
        "Nobody can progress in a circle: Program manager → Community responder → Program manager.",
    )
    assert not manager.pathways_out.exists()
    # Three roles round: senior → manager → responder → senior.
    response = client.post(
        reverse("job-roles:edit", args=[responder.pk]),
        _form(
            name="Community responder",
            pathways=[
                *[(p.to_role, p.kind, p.notes, p.pk) for p in responder.pathways_out.all()],
                (senior, PathwayKind.PROGRESSIVE, ""),
            ],
            initial_pathways=2,
        ),
    )
    assert response.status_code == 302  # no circle yet: senior leads to the manager only
    response = client.post(
        reverse("job-roles:edit", args=[manager.pk]),
        _form(name="Program manager", pathways=[(senior, PathwayKind.PROGRESSIVE, "")]),
    )
    _refused(
        response,
        "Nobody can progress in a circle: Program manager → Senior responder → Program manager.",
    )
    assert not manager.pathways_out.exists()


@pytest.mark.django_db
def test_a_lateral_and_progressive_conflict_is_refused(client_for, roles):
    responder, manager, telecommunicator = roles
    client = client_for("hr")
    # The telecommunicator's role would lead laterally where the responder progresses.
    response = client.post(
        reverse("job-roles:edit", args=[manager.pk]),
        _form(name="Program manager", pathways=[(responder, PathwayKind.LATERAL, "")]),
    )
    _refused(
        response,
        "“Community responder” and “Program manager” are joined both laterally and "
        "progressively; a move between two roles is one or the other.",
    )
    assert not manager.pathways_out.exists()
    # Lateral both ways is fine.
    response = client.post(
        reverse("job-roles:edit", args=[telecommunicator.pk]),
        _form(name="911 telecommunicator", pathways=[(responder, PathwayKind.LATERAL, "")]),
    )
    assert response.status_code == 302, _messages(response)
    assert telecommunicator.pathways_out.get().to_role == responder


@pytest.mark.django_db
def test_a_requirement_on_a_retired_type_is_refused(client_for, roles, types):
    bls, _, retired = types
    response = client_for("hr").post(
        reverse("job-roles:add"),
        _form(
            requirements=[
                (bls, RequirementLevel.REQUIRED),
                (retired, RequirementLevel.REQUIRED),
            ]
        ),
    )
    _refused(response, "“Old first aid card” is retired; choose an active type.")
    assert not JobRole.objects.filter(name="Senior community responder").exists()
    assert not RoleCredential.objects.exists()


@pytest.mark.django_db
def test_the_same_type_twice_is_refused(client_for, roles, types):
    bls, _, _ = types
    response = client_for("hr").post(
        reverse("job-roles:add"),
        _form(
            requirements=[
                (bls, RequirementLevel.REQUIRED),
                (bls, RequirementLevel.PREFERRED),
            ]
        ),
    )
    _refused(
        response,
        "“BLS Provider (CPR/AED)” is listed more than once; keep one row, required or preferred.",
    )
    assert not JobRole.objects.filter(name="Senior community responder").exists()


@pytest.mark.django_db
def test_a_retired_requirement_can_be_removed(client_for, roles, types):
    responder, *_ = roles
    bls, _, retired = types
    require(responder, retired)
    row = responder.credential_requirements.get()
    data = _form(
        name="Community responder",
        requirements=[(retired, RequirementLevel.REQUIRED), (bls, RequirementLevel.REQUIRED)],
        pathways=[(p.to_role, p.kind, p.notes, p.pk) for p in responder.pathways_out.all()],
        initial_pathways=2,
    ) | {
        "credential_requirements-INITIAL_FORMS": "1",
        "credential_requirements-0-id": str(row.pk),
        "credential_requirements-0-DELETE": "1",
    }
    response = client_for("hr").post(reverse("job-roles:edit", args=[responder.pk]), data)
    assert response.status_code == 302, _messages(response)
    assert list(responder.credential_requirements.values_list("credential_type", flat=True)) == [
        bls.pk
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("others", [0, 40])
def test_the_form_checks_in_constant_queries(
    client_for, roles, types, django_assert_max_num_queries, others
):
    """The map is read in two queries whatever its size (the rest is Wagtail's own)."""
    responder, manager, _ = roles
    for n in range(others):
        pathway(JobRoleFactory(name=f"Role {n}"), manager, PathwayKind.PROGRESSIVE)
    client = client_for("hr")
    bls, cit, _ = types
    data = _form(
        requirements=[(bls, RequirementLevel.REQUIRED), (cit, RequirementLevel.PREFERRED)],
        pathways=[(manager, PathwayKind.PROGRESSIVE, ""), (responder, PathwayKind.LATERAL, "")],
    )
    with django_assert_max_num_queries(90):
        response = client.post(reverse("job-roles:add"), data)
    assert response.status_code == 302, _messages(response)


# --- deleting ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hr_cannot_delete_roles(client_for, roles):
    responder, *_ = roles
    client = client_for("hr")
    response = client.post(reverse("job-roles:delete", args=[responder.pk]))
    assert response.status_code in (302, 403)
    assert JobRole.objects.filter(pk=responder.pk).exists()


@pytest.mark.django_db
def test_a_role_someone_holds_is_not_deleted(client_for, city, roles):
    responder, *_ = roles
    city.learner.job_role = responder
    city.learner.save()
    client = client_for("admin")
    delete = reverse("job-roles:delete", args=[responder.pk])
    for response in (client.get(delete), client.post(delete)):
        assert response.status_code == 302
        assert response["Location"] == reverse("job-roles:edit", args=[responder.pk])
        assert (
            "“Community responder” cannot be deleted: 1 staff member holds it. Move them to "
            "another role first, or keep the role."
        ) in _messages(response)
    assert JobRole.objects.filter(pk=responder.pk).exists()
    assert responder.pathways_out.count() == 2


@pytest.mark.django_db
def test_a_role_nobody_holds_is_deleted_with_its_pathways(client_for, roles):
    responder, manager, _ = roles
    client = client_for("admin")
    delete = reverse("job-roles:delete", args=[manager.pk])
    page = client.get(delete)
    assert page.status_code == 200
    assert "Delete the role “Program manager”?" in page.content.decode()
    assert "0 credential requirements, 1 pathway and 0 career interests" in page.content.decode()
    response = client.post(delete)
    assert response.status_code == 302
    assert not JobRole.objects.filter(pk=manager.pk).exists()
    assert list(responder.pathways_out.values_list("to_role__name", flat=True)) == [
        "911 telecommunicator"
    ]


@pytest.mark.django_db
def test_a_credential_type_a_role_requires_is_never_deleted(client_for, roles, types):
    responder, *_ = roles
    bls, _, _ = types
    require(responder, bls)
    client = client_for("admin")
    assert client.get(reverse("credential-types:edit", args=[bls.pk])).status_code == 200
    delete = reverse("credential-types:delete", args=[bls.pk])
    for response in (client.get(delete), client.post(delete)):
        assert response.status_code in (302, 403)
        assert "you do not have permission" in _messages(response)
    assert CredentialType.objects.filter(pk=bls.pk).exists()
    assert responder.credential_requirements.get().credential_type == bls
