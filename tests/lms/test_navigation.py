"""The menu is remembered by its inputs: it still follows the person, their roles and the page."""

from lms.accounts.roles import Role
from lms.accounts.services import roles_set


def _menu(client, path="/") -> str:
    page = client.get(path).content.decode()
    return page[page.index('<nav class="topnav"') : page.index("</details>")]


def test_menu_follows_name_roles_and_path(city, client_for):
    learner = client_for("learner")
    menu = _menu(learner)
    assert '<a href="/" aria-current="page">Home</a>' in menu
    assert city.user("learner").display_name in menu
    assert "Team training" not in menu
    assert menu.count('name="csrfmiddlewaretoken"') == 2  # top bar and phone menu
    assert '<a href="/learn/transcript/" aria-current="page">Transcript</a>' in _menu(
        learner, "/learn/transcript/"
    )

    user = city.user("learner")
    user.first_name = "Renamed"
    user.save()
    assert "Renamed" in _menu(learner)
    roles_set(actor=city.user("admin"), user=user, roles={Role.AUTHOR})
    menu = _menu(learner)
    assert "Curriculum admin" in menu
    assert "Curriculum author" in menu

    supervisor_menu = _menu(client_for("supervisor"))
    assert "Team training" in supervisor_menu
    assert "Invitations" in supervisor_menu


def test_the_remembered_menus_sign_out_form_carries_the_requests_token(city, client_for):
    import re

    client_for("learner").get("/")  # remembers the learner's menu
    client = client_for("learner")
    client.handler.enforce_csrf_checks = True
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _menu(client)).group(1)
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # signed out
