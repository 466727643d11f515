from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from agent.scan import main, run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "k8s"
NOW = "2024-05-01T12:00:00Z"
LOOKOUT = Path(sys.executable).parent / "lookout"


def scan(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(args, stdin=io.BytesIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_json_output_lists_findings_with_subject_reason_severity_and_message() -> None:
    code, out, err = scan([str(FIXTURES / "pods.json"), "--output", "json", "--now", NOW])
    rows = orjson.loads(out)
    crash = next(r for r in rows if r["reason"] == "CrashLoopBackOff")
    assert {k: crash[k] for k in ("kind", "namespace", "name", "severity")} == {
        "kind": "Pod",
        "namespace": "shop",
        "name": "api-6b7f9c9d8-crash",
        "severity": "critical",
    }
    assert "12 restarts" in crash["message"]
    assert crash["owner"] == "Deployment/shop/api"
    assert crash["attrs"]["last_reason"] == "OOMKilled"
    assert code == 1  # a critical finding
    assert err == ""


def test_event_rows_name_the_involved_object_and_the_event_reason() -> None:
    code, out, _ = scan(["-", "-o", "json", "--now", NOW], (FIXTURES / "events.json").read_bytes())
    rows = orjson.loads(out)
    backoff = next(r for r in rows if r["reason"] == "BackOff")
    assert (backoff["kind"], backoff["name"]) == ("Pod", "api-6b7f9c9d8-crash")
    assert all(r["severity"] != "critical" for r in rows)
    assert code == 0


def _list(*files: str, drop: str = "") -> bytes:
    items = [
        item
        for name in files
        for item in orjson.loads((FIXTURES / name).read_bytes())["items"]
        if item["metadata"]["name"] != drop
    ]
    return orjson.dumps({"kind": "List", "items": items})


def _event_subjects(stdin: bytes) -> set[str]:
    _, out, _ = scan(["-", "-o", "json", "--now", NOW], stdin)
    return {r["name"] for r in orjson.loads(out) if r["reason"] == "BackOff"}


def test_events_about_pods_absent_from_the_input_are_dropped_only_when_pods_were_given() -> None:
    crash = "api-6b7f9c9d8-crash"
    assert _event_subjects(_list("events.json")) == {crash}  # only events: pods unknown
    assert _event_subjects(_list("events.json", "pods.json")) == {crash}
    # Pods of the namespace listed, the crash-looping one no longer among them: it is gone.
    assert _event_subjects(_list("events.json", "pods.json", drop=crash)) == set()


def test_image_pull_failures_scan_as_image_pull_backoff_naming_the_waiting_reason() -> None:
    _, out, _ = scan([str(FIXTURES / "pods.json"), "-o", "json", "--now", NOW])
    rows = {r["name"]: r for r in orjson.loads(out) if r["category"] == "image"}
    row = rows["api-6b7f9c9d8-errimagepull"]
    assert (row["reason"], row["severity"]) == ("ImagePullBackOff", "critical")
    assert row["attrs"]["waiting_reason"] == "ErrImagePull"
    assert "ErrImagePull" in row["message"]
    assert rows["api-6b7f9c9d8-imagepull"]["attrs"]["waiting_reason"] == "ImagePullBackOff"


def test_table_output_aligns_columns_worst_first() -> None:
    code, out, _ = scan([str(FIXTURES / "nodes.json"), "--now", NOW])
    lines = out.splitlines()
    assert lines[0].split() == ["SEVERITY", "KIND", "NAMESPACE", "NAME", "REASON", "AGE", "MESSAGE"]
    assert lines[1].startswith("critical")
    assert lines[-1].startswith("info")
    reason_col = lines[0].index("REASON")
    assert all(line[reason_col - 2 : reason_col] == "  " for line in lines)
    assert code == 1


def test_healthy_single_object_prints_no_findings_and_exits_zero() -> None:
    doc = orjson.loads((FIXTURES / "pods.json").read_bytes())
    healthy = next(i for i in doc["items"] if i["metadata"]["name"] == "api-6b7f9c9d8-healthy")
    assert scan(["-", "--now", NOW], orjson.dumps(healthy)) == (0, "no findings\n", "")
    assert scan(["-", "-o", "json", "--now", NOW], orjson.dumps(healthy))[1] == "[]\n"


def test_typed_list_items_without_kind_take_the_list_kind() -> None:
    doc = orjson.loads((FIXTURES / "nodes.json").read_bytes())
    for item in doc["items"]:
        del item["kind"]
    doc["kind"] = "NodeList"
    code, out, _ = scan(["-", "-o", "json", "--now", NOW], orjson.dumps(doc))
    assert code == 1
    assert {r["reason"] for r in orjson.loads(out)} >= {"NodeNotReady", "Cordoned"}


def test_objects_missing_status_are_scanned_without_complaint() -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "d"}},
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}},
        ],
    }
    assert scan(["-", "--now", NOW], orjson.dumps(doc)) == (0, "no findings\n", "")


def test_malformed_object_is_skipped_with_a_one_line_message() -> None:
    doc = {
        "kind": "List",
        "items": [
            {"kind": "Pod", "metadata": {"name": "bad", "namespace": "d"}, "status": "Running"},
            orjson.loads((FIXTURES / "nodes.json").read_bytes())["items"][1],
        ],
    }
    code, out, err = scan(["-", "-o", "json", "--now", NOW], orjson.dumps(doc))
    assert code == 1
    assert [r["reason"] for r in orjson.loads(out)] == ["NodeNotReady"]
    assert err.count("\n") == 1
    assert err.startswith("lookout scan: skipped Pod d/bad: unexpected field shape")


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"", "stdin is empty"),
        (b"  \n", "stdin is empty"),
        (b"{not json", "input is not JSON"),
        (b"[1, 2]", "not a Kubernetes object or List"),
        (b'{"apiVersion": "v1", "metadata": {}}', "not a Kubernetes object or List"),
        (b'"Pod"', "not a Kubernetes object or List"),
        (b'{"kind": "List"}', 'has no "items" array'),
        (b'{"kind": "List", "items": [3]}', "item 0 is not a JSON object"),
        (b'{"kind": "List", "items": [{"metadata": {}}]}', 'item 0 has no "kind"'),
    ],
)
def test_unreadable_input_exits_2_with_a_clear_one_line_message(stdin: bytes, message: str) -> None:
    code, out, err = scan(["-"], stdin)
    assert (code, out) == (2, "")
    assert err.startswith("lookout scan: ")
    assert message in err
    assert err.count("\n") == 1


def test_missing_file_and_bad_now_exit_2() -> None:
    code, _, err = scan(["/nonexistent/objects.json"])
    assert code == 2
    assert "cannot read /nonexistent/objects.json" in err
    code, _, err = scan([str(FIXTURES / "pods.json"), "--now", "yesterday"])
    assert code == 2
    assert "--now 'yesterday' is not an RFC 3339 time" in err
    code, _, err = scan([str(FIXTURES / "pods.json"), "--now", "2024-05-01T12:00:00"])
    assert code == 2


def test_bad_option_exits_2_without_raising(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--output", "yaml"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_entry_point_scans_stdin_in_a_subprocess() -> None:
    result = subprocess.run(
        [str(LOOKOUT), "scan", "-", "--output", "json", "--now", NOW],
        input=(FIXTURES / "workloads.json").read_bytes(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    rows = orjson.loads(result.stdout)
    assert {"kind": "Deployment", "name": "api", "reason": "DeploymentUnavailable"}.items() <= next(
        r for r in rows if r["reason"] == "DeploymentUnavailable"
    ).items()
    assert result.stderr == b""
    bad = subprocess.run(
        [str(LOOKOUT), "scan", "-"], input=b"nope", capture_output=True, timeout=60, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.decode().startswith("lookout scan: input is not JSON")
    assert b"Traceback" not in bad.stderr
