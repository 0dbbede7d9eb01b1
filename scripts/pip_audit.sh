#!/usr/bin/env bash
# Audit the installed environment (.venv) for dependencies with known vulnerabilities.
#
#   scripts/pip_audit.sh [extra pip-audit arguments]
#
# Exit 0: no known vulnerability, or the vulnerability service could not be reached (a NOTICE
#         says so: an offline machine cannot audit, and that must not fail the build).
# Exit 1: a known vulnerability, a dependency that could not be audited while the service
#         answers (--strict), or pip-audit failing for any other reason.
#
# Environment: PIP_AUDIT (the pip-audit executable, default .venv/bin/pip-audit), PIP_AUDIT_PYTHON
# (the interpreter for the reachability probe, default .venv/bin/python), PIP_AUDIT_PROBE_URL
# (a release document the PyPI JSON API certainly has, default https://pypi.org/pypi/pip/24.0/json).
set -uo pipefail

cd "$(dirname "$0")/.."
PIP_AUDIT=${PIP_AUDIT:-.venv/bin/pip-audit}
PYTHON=${PIP_AUDIT_PYTHON:-.venv/bin/python}
PROBE_URL=${PIP_AUDIT_PROBE_URL:-https://pypi.org/pypi/pip/24.0/json}

notice() {
  printf '\nNOTICE: pip-audit skipped: the vulnerability service could not be reached (%s).\n' "$1"
  printf 'NOTICE: no dependency was audited; run scripts/pip_audit.sh where the network is available.\n'
  exit 0
}

if [[ ! -x "$PIP_AUDIT" ]]; then
  echo "!! $PIP_AUDIT is missing: make install (pip-audit is a dev dependency)" >&2
  exit 1
fi

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

# The project itself is installed editable and is not on PyPI: it has nothing to look up.
"$PIP_AUDIT" --strict --skip-editable --progress-spinner off "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
if ((rc == 0)); then
  exit 0
fi

# A real finding is never turned into a notice.
if grep -qE '^Found [0-9]+ known vulnerabilit' "$LOG"; then
  exit "$rc"
fi

# pip-audit lets requests' connection errors escape as a traceback.
if grep -qE 'requests\.exceptions\.(ConnectionError|ProxyError|SSLError|ConnectTimeout|ReadTimeout|Timeout)|NameResolutionError|Temporary failure in name resolution|Max retries exceeded' "$LOG"; then
  notice "connection error"
fi

# --strict stops at the first dependency the PyPI JSON API does not know. A proxy or mirror that
# answers 404 for everything looks the same as one unpublished package: ask for one PyPI
# certainly has, in the per-release form pip-audit reads (a proxy may pass /pypi/<name>/json and
# refuse /pypi/<name>/<version>/json). If that is missing too, the service is not really there.
if grep -q 'Dependency not found on PyPI' "$LOG"; then
  probe=$("$PYTHON" - "$PROBE_URL" <<'EOF'
import sys

import requests

try:
    response = requests.get(sys.argv[1], timeout=15)
except requests.RequestException as error:
    print(f"unreachable: {type(error).__name__}")
else:
    ok = response.status_code == 200 and '"vulnerabilities"' in response.text
    print("ok" if ok else f"HTTP {response.status_code} for a release PyPI has")
EOF
  )
  if [[ "$probe" != "ok" ]]; then
    notice "${probe:-probe failed}"
  fi
fi

exit "$rc"
