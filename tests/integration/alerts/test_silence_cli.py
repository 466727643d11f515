"""``lookout silence add|list|expire`` against a running master over HTTP, with real tokens: an
operator adds, lists and expires a silence (and the master audits it); a viewer's add is
refused with the master's message; a bad matcher and a missing token fail before or at the
master, never silently."""

from __future__ import annotations

import io

from lookout_cli.apiclient import CliSettings
from lookout_cli.silence import run
from tests.integration.people import conftest as people_conftest
from tests.integration.people.conftest import People

people = people_conftest.people


async def _cli(people: People, role: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    settings = CliSettings(
        url=f"http://127.0.0.1:{people.master.master.http_port}", token=people.tokens[role]
    )
    code = await run(argv, out=out, err=err, settings=settings)
    return code, out.getvalue(), err.getvalue()


async def test_an_operator_adds_lists_and_expires_a_silence(people: People) -> None:
    code, out, err = await _cli(
        people,
        "operator",
        "add",
        "-m",
        'namespace="shop"',
        "-m",
        'alertname=~"Crash.*"',
        "--for",
        "1h30m",
        "-c",
        "db upgrade",
    )
    assert (code, err) == (0, "")
    added, matching = out.splitlines()
    silence_id, state, _ends, by, matchers, comment = added.split("\t")
    assert (state, by, comment) == ("active", "otto", "db upgrade")
    assert 'namespace="shop"' in matchers and "alertname=~" in matchers
    assert matching == "0 alert(s) silenced now"

    code, out, _ = await _cli(people, "viewer", "list", "--state", "active")
    assert code == 0 and [line.split("\t")[0] for line in out.splitlines()] == [silence_id]

    code, out, _ = await _cli(people, "operator", "expire", silence_id)
    assert code == 0 and out.split("\t")[1] == "expired"
    code, out, _ = await _cli(people, "viewer", "list", "--state", "active")
    assert (code, out) == (0, "")
    code, out, _ = await _cli(people, "viewer", "list", "--json")
    [listed] = [line for line in out.splitlines() if silence_id in line]
    assert '"state": "expired"' in listed
    audit = await people.http.get("/api/v1/audit", headers=people.auth("admin"))
    actions = [e["action"] for e in audit.json()["items"]]
    assert {"silence.create", "silence.expire"} <= set(actions)


async def test_refusals_come_back_with_the_master_s_reason(people: People) -> None:
    code, out, err = await _cli(
        people, "viewer", "add", "-m", 'namespace="shop"', "--for", "1h", "-c", "x"
    )
    assert (code, out) == (1, "")
    assert "the master refused: HTTP 403" in err
    code, _, err = await _cli(
        people, "operator", "add", "-m", "no operator here", "--for", "1h", "-c", "x"
    )
    assert code == 1 and "HTTP 422" in err and "bad matcher" in err
    code, _, err = await _cli(people, "operator", "expire", "no-such-silence")
    assert code == 1 and "HTTP 404" in err
    code, _, err = await _cli(
        people, "operator", "add", "-m", 'namespace="shop"', "--for", "soon", "-c", "x"
    )
    assert code == 2 and "--for 'soon'" in err


async def test_without_a_token_nothing_is_sent() -> None:
    err = io.StringIO()
    settings = CliSettings(url="http://127.0.0.1:9", token="")
    assert await run(["list"], out=io.StringIO(), err=err, settings=settings) == 2
    assert "no token" in err.getvalue()
