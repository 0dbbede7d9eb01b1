"""scripts/pip_audit.sh: findings fail the build; an unreachable vulnerability service is a notice.

The real pip-audit is run against an OSV address nothing listens on; the other branches use a
stand-in pip-audit (PIP_AUDIT) that prints what the real one prints in each case, and a local
HTTP server as the PyPI the script probes.
"""

import http.server
import os
import socket
import stat
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "pip_audit.sh"
NOTICE = "NOTICE: pip-audit skipped"

FINDING = """\
Found 1 known vulnerability in 1 package
Name   Version ID                  Fix Versions
------ ------- ------------------- ------------
django 5.2.0   PYSEC-2025-0000     5.2.1
"""
NOT_FOUND = (
    "ERROR:pip_audit._cli:annotated-types: Dependency not found on PyPI and could not be "
    "audited: annotated-types (0.8.0)\n"
)
CONNECTION_TRACEBACK = """\
Traceback (most recent call last):
  File "/x/requests/adapters.py", line 729, in send
    raise ConnectionError(e, request=request)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries \
exceeded with url: /pypi/asgiref/3.13.0/json (Caused by NameResolutionError("Failed to resolve"))
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(tmp_path, *args, **env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_AUDIT")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env.update(env_extra)
    return subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def fake_pip_audit(tmp_path):
    """A pip-audit that records its arguments, prints `output` and exits with `rc`."""

    def make(output, rc):
        (tmp_path / "output.txt").write_text(output)
        fake = tmp_path / "pip-audit"
        fake.write_text(
            "#!/bin/sh\n"
            f'printf "%s\\n" "$@" > "{tmp_path}/args.txt"\n'
            f'cat "{tmp_path}/output.txt"\n'
            f"exit {rc}\n"
        )
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
        return str(fake)

    return make


@pytest.fixture
def pypi():
    """A local stand-in for the PyPI JSON API: answers `pypi.status` with `pypi.body`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(server.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(server.body.encode())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.status, server.body = 404, '{"message": "Not Found"}'
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}/pypi/pip/24.0/json"
    yield server
    server.shutdown()
    server.server_close()


def test_an_unreachable_vulnerability_service_is_a_notice_not_a_failure(tmp_path):
    """The real pip-audit, asking an OSV address where nothing listens."""
    result = _run(
        tmp_path,
        "--vulnerability-service",
        "osv",
        "--osv-url",
        f"http://127.0.0.1:{_free_port()}/v1/query",
        "--timeout",
        "5",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{NOTICE}: the vulnerability service could not be reached" in result.stdout
    assert "connection error" in result.stdout


def test_a_clean_audit_passes_in_strict_mode_without_the_editable_project(tmp_path, fake_pip_audit):
    result = _run(tmp_path, PIP_AUDIT=fake_pip_audit("No known vulnerabilities found\n", 0))

    assert result.returncode == 0
    assert NOTICE not in result.stdout
    args = (tmp_path / "args.txt").read_text().split()
    assert {"--strict", "--skip-editable"} <= set(args)
    assert args[args.index("--progress-spinner") + 1] == "off"


def test_a_known_vulnerability_fails(tmp_path, fake_pip_audit):
    result = _run(tmp_path, PIP_AUDIT=fake_pip_audit(FINDING, 1))

    assert result.returncode == 1
    assert "PYSEC-2025-0000" in result.stdout
    assert NOTICE not in result.stdout


def test_a_finding_is_never_hidden_by_a_connection_error_in_the_same_run(tmp_path, fake_pip_audit):
    result = _run(tmp_path, PIP_AUDIT=fake_pip_audit(FINDING + CONNECTION_TRACEBACK, 1))

    assert result.returncode == 1
    assert NOTICE not in result.stdout


def test_a_connection_error_traceback_is_a_notice(tmp_path, fake_pip_audit):
    result = _run(tmp_path, PIP_AUDIT=fake_pip_audit(CONNECTION_TRACEBACK, 1))

    assert result.returncode == 0
    assert NOTICE in result.stdout


def test_a_pypi_that_knows_no_release_at_all_is_a_notice(tmp_path, fake_pip_audit, pypi):
    """A proxy answering 404 for every release: even pip 24.0 is missing."""
    result = _run(tmp_path, PIP_AUDIT=fake_pip_audit(NOT_FOUND, 1), PIP_AUDIT_PROBE_URL=pypi.url)

    assert result.returncode == 0
    assert "HTTP 404 for a release PyPI has" in result.stdout


def test_a_dependency_missing_from_a_working_pypi_fails(tmp_path, fake_pip_audit, pypi):
    pypi.status, pypi.body = 200, '{"info": {"name": "pip"}, "vulnerabilities": []}'

    result = _run(tmp_path, PIP_AUDIT=fake_pip_audit(NOT_FOUND, 1), PIP_AUDIT_PROBE_URL=pypi.url)

    assert result.returncode == 1
    assert NOTICE not in result.stdout


def test_pip_audit_failing_for_another_reason_fails(tmp_path, fake_pip_audit):
    result = _run(
        tmp_path, PIP_AUDIT=fake_pip_audit("pip-audit: error: unrecognized arguments\n", 2)
    )

    assert result.returncode == 2
    assert NOTICE not in result.stdout


def test_a_missing_pip_audit_fails(tmp_path):
    result = _run(tmp_path, PIP_AUDIT=str(tmp_path / "no-such-pip-audit"))

    assert result.returncode == 1
    assert "make install" in result.stderr
