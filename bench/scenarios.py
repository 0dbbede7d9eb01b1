"""The named scenarios: `SCENARIOS` maps a name to a scenario.

A scenario is a callable that takes the prepared `BenchContext` and returns a callable doing one
request and returning its response, which must be a 200. Set-up (signing in, looking up an
object to show) happens in the outer call and is not timed; only the inner call is.

A page that needs nothing but a path and a demo login is one line:

    SCENARIOS["credentials_hr"] = get("/credentials/", as_user=HR)

A page that needs set-up is a function:

    def staff_detail_supervisor(context):
        client = context.client(as_user=SUPERVISOR)
        pk = StaffProfile.objects.filter(...).values_list("pk", flat=True).first()
        return partial(client.get, f"/people/{pk}/")

    SCENARIOS["staff_detail_supervisor"] = staff_detail_supervisor
"""

from collections.abc import Callable
from functools import partial

from django.http import HttpResponse

from .context import BenchContext

Request = Callable[[], HttpResponse]
Scenario = Callable[[BenchContext], Request]

# The fixed demo logins that `seed_demo` creates in every city, whatever its size.
LEARNER = "learner@relay.test"
FTO = "fto@relay.test"
SUPERVISOR = "supervisor@relay.test"
HR = "hr@relay.test"
AUTHOR = "author@relay.test"
ADMIN = "admin@relay.test"
CBO_LEARNER = "cbo.learner@relay.test"

BASELINE = "baseline"


def get(path: str, *, as_user: str | None = None) -> Scenario:
    """A scenario that GETs `path`, anonymously or signed in as the demo login `as_user`."""

    def prepare(context: BenchContext) -> Request:
        return partial(context.client(as_user=as_user).get, path)

    return prepare


SCENARIOS: dict[str, Scenario] = {
    # Always run: every other scenario's ratio_to_baseline is measured against it.
    BASELINE: get("/bench/baseline/"),
    "home_learner": get("/", as_user=LEARNER),
    "home_fto": get("/", as_user=FTO),
    "home_supervisor": get("/", as_user=SUPERVISOR),
    "home_hr": get("/", as_user=HR),
    "people_list_hr": get("/people/", as_user=HR),
}
