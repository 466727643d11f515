"""Audits every lock file (requirements/*.lock) against the package index's advisory data with
pip-audit (its ``pypi`` service: each pinned distribution's known vulnerabilities as the index's
JSON API lists them). Run by scripts/check, so by `make test`; needs network to the index only.
pip-audit reads pins and hashes straight from the files (``--disable-pip --require-hashes``: no
install, and a lock line without a hash fails).

Fails on any known vulnerability not waived in requirements/audit-ignore.txt, and on a waiver
past its review date. pip-audit's table names the fixed version of each finding: move the pin
with ``scripts/lock --upgrade-package NAME``; only when no fixed release exists, waive it there
(dated, with the reason it does not bite here).

The index reachable from the project's machines serves a project's JSON document but not the
per-release one pip-audit asks for (``/NAME/VERSION/json`` answers 404), so pip-audit alone
would skip every package. ``release_document`` closes that gap from the project document, whose
``vulnerabilities`` are those of the latest release: exact when the pin is the latest release;
for a pin behind it, the latest release's advisories are applied (conservative) and the pin is
named in a closing notice, since advisories fixed between the pin and the latest release are not
visible there. Where the per-release document is served, it is used as is.

    .venv/bin/python scripts/audit.py [pip-audit arguments, e.g. --format json]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WAIVERS = REPO / "requirements" / "audit-ignore.txt"
_RELEASE_URL = re.compile(r"^(?P<project>.+/pypi/[^/]+)/(?P<version>[^/]+)/json$")

Fetch = Callable[[str], "dict[str, Any] | None"]  # URL -> JSON document, None when not served


class WaiverError(Exception):
    """A waiver line that is malformed or past its review date."""


def waivers(text: str, *, today: dt.date) -> list[str]:
    """The advisory ids waived by ``audit-ignore.txt``'s text; refuses a line without a review
    date (YYYY-MM-DD) and a reason, and one whose review date has passed."""
    ids = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        advisory, _, rest = line.partition(" ")
        review, _, reason = rest.strip().partition(" ")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", review) or not reason.strip():
            raise WaiverError(f"{advisory}: needs a review date (YYYY-MM-DD) and a reason")
        if dt.date.fromisoformat(review) < today:
            raise WaiverError(f"{advisory}: to be reviewed by {review}; upgrade or renew it")
        ids.append(advisory)
    return ids


def release_document(url: str, fetch: Fetch, behind: list[str]) -> dict[str, Any] | None:
    """For a per-release URL the index did not serve: that release's document built from the
    project's, or None (the package is unknown to the index; pip-audit then reports it)."""
    match = _RELEASE_URL.match(url)
    if match is None:
        return None
    project = fetch(match["project"] + "/json")
    if project is None:
        return None
    latest = project.get("info", {}).get("version")
    if latest != match["version"]:
        behind.append(f"{match['project'].rsplit('/', 1)[-1]} {match['version']} (latest {latest})")
    return {k: project[k] for k in ("info", "urls", "vulnerabilities") if k in project}


def _install_fallback(behind: list[str]) -> None:
    """Make pip-audit's PyPI session retry passing faults and answer an unserved per-release
    URL with ``release_document``."""
    import requests
    from pip_audit._service import pypi
    from urllib3.util.retry import Retry

    make_session = pypi.caching_session

    def caching_session(*args: Any, **kwargs: Any) -> requests.Session:
        session = make_session(*args, **kwargs)
        # A couple of hundred requests per run: a passing DNS or connection fault must not fail
        # the check (the caching adapters stay; only their retry policy changes).
        for adapter in session.adapters.values():
            adapter.max_retries = Retry(  # type: ignore[attr-defined]
                total=6, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504)
            )

        def fetch(url: str) -> dict[str, Any] | None:
            response = session.get(url, timeout=30)
            return response.json() if response.status_code == 200 else None  # type: ignore[no-any-return]

        def on_response(response: requests.Response, *_: Any, **__: Any) -> requests.Response:
            if response.status_code != 404:
                return response
            document = release_document(response.url, fetch, behind)
            if document is None:
                return response
            built = requests.Response()
            built.status_code, built.url, built.request = 200, response.url, response.request
            built._content = json.dumps(document).encode()
            built.headers["Content-Type"] = "application/json"
            return built

        session.hooks["response"].append(on_response)
        return session

    pypi.caching_session = caching_session  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    try:
        ignored = waivers(WAIVERS.read_text(), today=dt.datetime.now(dt.UTC).date())
    except WaiverError as e:
        print(f"{WAIVERS.relative_to(REPO)}: {e}", file=sys.stderr)
        return 1
    from pip_audit._cli import audit

    behind: list[str] = []
    _install_fallback(behind)
    os.chdir(REPO)
    locks = sorted((REPO / "requirements").glob("*.lock"))
    sys.argv = [
        "pip-audit",
        "--vulnerability-service",
        "pypi",
        "--disable-pip",
        "--require-hashes",
        "--strict",
        "--progress-spinner",
        "off",
        *(arg for lock in locks for arg in ("-r", str(lock.relative_to(REPO)))),
        *(arg for advisory in ignored for arg in ("--ignore-vuln", advisory)),
        *argv,
    ]
    code = 0
    try:
        audit()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    if behind:
        print(
            f"notice: {len(behind)} pins are behind the index's latest release, so advisories "
            "fixed since are not visible here (scripts/lock --upgrade-package NAME): "
            + ", ".join(sorted(set(behind))),
            file=sys.stderr,
        )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
