"""Relay under load: people by role against a running server (gunicorn + PostgreSQL + Redis).

    .venv/bin/python -m bench.load.run --minutes 2 --rate 50      # the whole run, with a report
    .venv/bin/locust -f bench/load/locustfile.py --host http://127.0.0.1:8000   # by hand

The cast comes from `bench/load/plan.py` (the JSON file named by RELAY_LOAD_PLAN, default
var/load/plan.json): each simulated person signs in once with their own seeded account
(password, then a TOTP code from the demo secret for the roles that must use one) and works on
their own records:

- Learner: home, a module page, a quiz answered and submitted, a scenario step chosen;
- FTO: the field home (their trainees), a trainee's record, a Daily Observation Report written
  for a newly logged shift (form, shift, report form, signed report) and a task signed;
- HR: the people list, the readiness dashboard, the credential compliance board, reports;
- Public: the verification page a certificate's QR code opens.

Pacing is `constant_throughput` per person, set from RELAY_LOAD_RATE (requests a second for the
whole mix) by `configure()`, so the rate offered is the rate asked for and what is measured is
how the server keeps up. Every person sends from their own loopback address (127.x.y.z, all
routed to `lo` on Linux): the verify page's per-address rate limit and allauth's sign-in limits
then see many clients, as they would in production, instead of refusing one busy address.
"""

import datetime
import itertools
import json
import os
import random
import weakref
import zoneinfo
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode

import gevent
import pyotp
from geventhttpclient.connectionpool import ConnectionPool
from locust import FastHttpUser, between, constant_throughput, events, task

from bench.load.forms import find_form, forms

PLAN_PATH = Path(
    os.environ.get(
        "RELAY_LOAD_PLAN", Path(__file__).resolve().parents[2] / "var" / "load" / "plan.json"
    )
)

# Which module, trainee or certificate a person picks next: not security-relevant; seeded, so
# a run's sequence of choices repeats.
choose = random.Random(20261129).choice  # noqa: S311 - load-test choices  # nosec B311

# --- One loopback address per simulated person --------------------------------------------------

_ADDRESSES = weakref.WeakKeyDictionary()  # greenlet -> source address
_next_address = itertools.count(1)
_create_tcp_socket = ConnectionPool._create_tcp_socket


def _bound_socket(self, family, socktype, protocol):
    sock = _create_tcp_socket(self, family, socktype, protocol)
    address = _ADDRESSES.get(gevent.getcurrent())
    if address is not None:
        sock.bind((address, 0))
    return sock


ConnectionPool._create_tcp_socket = _bound_socket


def _claim_address() -> str:
    n = next(_next_address)
    # 127.1.0.1 onwards; 2**20 addresses before one is reused.
    n = n % (1 << 20)
    address = f"127.{1 + (n >> 16 & 0xFF)}.{n >> 8 & 0xFF}.{n & 0xFF}"
    _ADDRESSES[gevent.getcurrent()] = address
    return address


# --- The cast -----------------------------------------------------------------------------------

_plan: dict | None = None
_started = [0]  # people who have finished signing in (or failed to)


def started_count() -> int:
    return _started[0]


_taken: dict[str, itertools.count] = {}


def plan() -> dict:
    global _plan
    if _plan is None:
        _plan = json.loads(PLAN_PATH.read_text())
    return _plan


def _take(role: str) -> dict:
    """The next cast member of `role`, in turn (two people never share an account unless the
    run has more people of a role than the cast has accounts)."""
    members = plan()[role]
    counter = _taken.setdefault(role, itertools.count())
    return members[next(counter) % len(members)]


class _BehindTLS(DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True


def _signed_out(response) -> bool:
    return "/accounts/login/" in (response.url or "")


class RelayUser(FastHttpUser):
    abstract = True
    # Requests one task makes on average, so a target in requests a second can be paced.
    requests_per_task = 1.0
    # Share of the mixed load's requests that this role makes.
    share = 0.0
    wait_time = between(0.5, 1.5)
    insecure = True
    max_redirects = 5

    def on_start(self):
        _claim_address()
        # Behind the production proxy TLS ends at the proxy, which tells Django with
        # X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER): the session and CSRF cookies are
        # `Secure`, so the simulated browser keeps and sends them as it would over https.
        self.client.cookiejar.set_policy(_BehindTLS())
        self.client.client.default_headers["X-Forwarded-Proto"] = "https"
        try:
            self.prepare()
        finally:
            _started[0] += 1

    def prepare(self):
        """Sign in and pick one's records (nothing for the public)."""

    # Helpers -------------------------------------------------------------------------------
    def page(self, path: str, *, name: str | None = None):
        with self.client.get(path, name=name or path, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif _signed_out(response) and not path.startswith("/accounts/"):
                response.failure(f"GET {path} sent a signed-in person to the sign-in page")
            return response

    def submit(self, path: str, data, *, name: str):
        """POST a form; Django answers 302 and the redirect is followed to a 200 page."""
        with self.client.post(
            path,
            data=urlencode(data),
            name=name,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.host.replace("http:", "https:", 1) + path,
            },
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:160]}")
            elif _signed_out(response) and "sign-in" not in name:
                response.failure(f"POST {path} sent a signed-in person to the sign-in page")
            return response

    def sign_in(self, email: str, *, totp: bool):
        login = self.page("/accounts/login/", name="sign-in: form")
        form = find_form(login.text or "", has="login")
        if form is None:
            raise RuntimeError("No sign-in form at /accounts/login/")
        response = self.submit(
            "/accounts/login/",
            form.data({"login": email, "password": plan()["password"]}),
            name="sign-in: password",
        )
        if totp:
            form = find_form(response.text or "", has="code")
            if form is None:
                raise RuntimeError(f"{email}: no TOTP step after the password")
            code = pyotp.TOTP(plan()["totp_secret"]).now()
            self.submit(
                "/accounts/2fa/authenticate/", form.data({"code": code}), name="sign-in: TOTP"
            )


class Learner(RelayUser):
    share = 0.63
    requests_per_task = 1.3  # (3 home + 4 module + 1 x 2 quiz + 2 x 2 scenario) / 10
    weight = 11

    def prepare(self):
        self.me = dict(_take("learners"))
        self.quizzes = list(self.me["quizzes"])
        self.sign_in(self.me["email"], totp=False)

    @task(3)
    def home(self):
        self.page("/", name="learner: home")

    @task(4)
    def module(self):
        pk = choose(self.me["modules"])
        self.page(f"/learn/modules/{pk}/", name="learner: module page")

    @task(1)
    def quiz(self):
        if not self.quizzes:
            return self.module()
        pk = choose(self.quizzes)
        path = f"/learn/modules/{pk}/quiz/"
        response = self.page(path, name="learner: quiz form")
        # The quiz's own form (the one with questions), not the menu's sign-out form before it.
        form = next(
            (
                f
                for f in forms(response.text or "")
                if f.method == "post" and any(n.startswith("q-") for n in f.names())
            ),
            None,
        )
        questions = (
            {}
            if form is None
            else {
                name: values[:1] for name, values in form.choices.items() if name.startswith("q-")
            }
        )
        if not questions:  # passed, or no attempts left: a person would move on
            self.quizzes.remove(pk)
            return None
        return self.submit(path, form.data(questions), name="learner: quiz submit")

    @task(2)
    def scenario(self):
        if not self.me["scenarios"]:
            return self.home()
        pk = choose(self.me["scenarios"])
        response = self.page(f"/learn/scenarios/{pk}/", name="learner: scenario step")
        html = response.text or ""
        form = find_form(html, action="/choose/")
        if form is not None and form.choices.get("choice"):
            return self.submit(
                form.action,
                form.data({"choice": choose(form.choices["choice"])}),
                name="learner: scenario choice",
            )
        form = find_form(html, action="/start/")
        if form is not None:
            return self.submit(form.action, form.data(), name="learner: scenario start")
        return None


class FieldTrainingOfficer(RelayUser):
    share = 0.2
    requests_per_task = 1.6  # (3 home + 3 record + 2 x 3 for a DOR + 2 x 2 for a task) / 10
    weight = 3

    def prepare(self):
        self.me = _take("ftos")
        self.trainings = [dict(t) for t in self.me["trainings"]]
        for training in self.trainings:
            zone = zoneinfo.ZoneInfo(training["zone"])
            earliest = training.get("earliest")
            now = datetime.datetime.now(tz=zone) - datetime.timedelta(hours=1)
            start = datetime.datetime.fromisoformat(earliest).astimezone(zone) if earliest else now
            # New shifts are logged going back in time from the earliest one, so they never
            # overlap one already logged, nor lie in the future.
            training["cursor"] = min(start, now).replace(second=0, microsecond=0)
        self.sign_in(self.me["email"], totp=True)

    @task(3)
    def home(self):
        self.page("/field/", name="fto: home (trainees)")

    @task(3)
    def record(self):
        training = choose(self.trainings)
        self.page(f"/field/{training['pk']}/", name="fto: trainee record")

    @task(2)
    def write_dor(self):
        training = choose(self.trainings)
        base = f"/field/{training['pk']}"
        end = training["cursor"] - datetime.timedelta(minutes=10)
        start = end - datetime.timedelta(minutes=30)
        if start.date().isoformat() < training["hire_date"]:
            return self.record()
        training["cursor"] = start
        response = self.page(f"{base}/shifts/new/", name="fto: shift form")
        form = find_form(response.text or "", has="unit")
        if form is None:
            return None
        response = self.submit(
            f"{base}/shifts/new/",
            form.data(
                {
                    "shift_date": start.date().isoformat(),
                    "start": start.strftime("%H:%M"),
                    "end": end.strftime("%H:%M"),
                    "unit": "Unit 12",
                    "call_types": form.choices.get("call_types", [])[:1],
                    "then": "report",
                }
            ),
            name="fto: log shift (to DOR form)",
        )
        form = find_form(response.text or "", has="most_satisfactory")
        if form is None:
            return None
        ratings = {}
        for name, values in form.choices.items():
            if name.startswith("rating-"):
                numbers = [v for v in values if v.isdigit()]
                ratings[name] = numbers[len(numbers) // 2] if numbers else values[0]
        return self.submit(
            f"{base}/reports/new/",
            form.data(
                {
                    **ratings,
                    "most_satisfactory": "Calm, clear hand-off to the clinician.",
                    "least_satisfactory": "Radio traffic was late on the second call.",
                }
            ),
            name="fto: sign DOR",
        )

    @task(2)
    def sign_task(self):
        training = choose(self.trainings)
        if not training["tasks"]:
            return self.record()
        path = f"/field/{training['pk']}/tasks/{choose(training['tasks'])}/"
        response = self.page(path, name="fto: task form")
        form = find_form(response.text or "", has="satisfactory")
        if form is None:
            return None
        return self.submit(path, form.data(), name="fto: sign task")


class HumanResources(RelayUser):
    share = 0.02
    requests_per_task = 1.0
    weight = 2

    def prepare(self):
        self.me = _take("hr")
        self.sign_in(self.me["email"], totp=True)

    @task(3)
    def people(self):
        self.page("/people/", name="hr: people list")

    @task(2)
    def readiness(self):
        role = plan()["readiness_role"]
        self.page(f"/careers/readiness/?role={role}", name="hr: readiness dashboard")

    @task(2)
    def compliance(self):
        self.page("/credentials/compliance/", name="hr: compliance board")

    @task(1)
    def reports(self):
        self.page("/reports/", name="hr: reports")

    @task(1)
    def compliance_report(self):
        self.page("/reports/credential-compliance/", name="hr: credential compliance report")


class Public(RelayUser):
    """Someone scanning a certificate's QR code: anonymous, one page."""

    share = 0.15
    requests_per_task = 1.0
    weight = 2

    # The verify-only run: every request is another verifier (a new connection from another
    # address), as when many people scan certificates; the mixed run keeps one per person.
    rotate = False

    @task
    def verify(self):
        public_id = choose(plan()["credentials"])
        if not self.rotate:
            self.page(f"/verify/{public_id}/", name="public: verify page")
            return
        _claim_address()
        path = f"/verify/{public_id}/"
        with self.client.get(
            path, name="public: verify page", headers={"Connection": "close"}, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


ROLES = (Learner, FieldTrainingOfficer, HumanResources, Public)


def configure(*, rate: float, users: dict[type, int]) -> None:
    """Pace each role so the mix offers `rate` requests a second, split by `share`."""
    for role, count in users.items():
        if count:
            per_person = rate * role.share / count / role.requests_per_task
            role.wait_time = constant_throughput(per_person)


@events.init.add_listener
def _from_environment(environment, **kwargs):
    """By hand (`locust -f`): pace from RELAY_LOAD_RATE and the weights' split of the users."""
    rate = float(os.environ.get("RELAY_LOAD_RATE", "0") or 0)
    total = getattr(environment.parsed_options, "num_users", None) if environment else None
    if rate and total:
        weights = sum(role.weight for role in ROLES)
        configure(rate=rate, users={role: max(total * role.weight // weights, 1) for role in ROLES})
