"""Matchers as Alertmanager reads them: both list forms, the old maps, anchored regexes, a
missing label read as empty; and the labels a finding carries."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from master.alerts.durations import format_duration, parse_duration
from master.alerts.errors import MatcherError
from master.alerts.labels import finding_labels
from master.alerts.matchers import Matcher, MatchOp, from_maps, matches_all, parse_matcher_list
from tests.unit.alerts.fixtures import node_finding, pod_finding


def test_the_list_form_accepts_quoted_unquoted_and_braced_items():
    got = parse_matcher_list(
        [
            'severity="critical"',
            "namespace =~ prod-.*",
            '{team!="db", env!~"dev|test"}',
            'msg="say \\"hi\\", please"',
        ]
    )
    assert [str(m) for m in got] == [
        'severity="critical"',
        'namespace=~"prod-.*"',
        'team!="db"',
        'env!~"dev|test"',
        'msg="say \\"hi\\", please"',
    ]


def test_regexes_are_anchored_at_both_ends():
    (m,) = parse_matcher_list(['namespace=~"prod-.*"'])
    assert m.matches({"namespace": "prod-eu"})
    assert not m.matches({"namespace": "preprod-eu"})
    assert not m.matches({"namespace": "prod"})


def test_a_missing_label_matches_as_the_empty_string():
    assert Matcher.make("team", "=", "").matches({})
    assert Matcher.make("team", "!=", "db").matches({})
    assert Matcher.make("team", "!~", ".+").matches({})
    assert not Matcher.make("team", "=~", ".+").matches({})


def test_the_old_match_and_match_re_maps_mean_the_same_as_matchers():
    old = from_maps({"severity": "critical"}, {"service": "foo1|foo2"})
    new = parse_matcher_list(['severity="critical"', 'service=~"foo1|foo2"'])
    assert old == new
    assert matches_all(old, {"severity": "critical", "service": "foo2"})


@pytest.mark.parametrize(
    "text", ['severity=="x"', "=x", 'a="unclosed', 'a=~"("', "{a=b", 'a=b c"', ""]
)
def test_malformed_matchers_are_refused(text: str) -> None:
    with pytest.raises(MatcherError):
        parse_matcher_list([text])


def test_a_findings_labels_name_its_subject_owner_node_and_reason():
    assert finding_labels("prod", pod_finding("checkout-a")) == {
        "alertname": "CrashLoopBackOff",
        "category": "crash",
        "cluster": "prod",
        "kind": "Pod",
        "name": "checkout-a",
        "namespace": "shop",
        "node": "node-1",
        "owner": "Deployment/checkout",
        "reason": "CrashLoopBackOff",
        "severity": "critical",
    }
    # A node's own finding carries its name as the node label, so it can inhibit its pods.
    assert finding_labels("prod", node_finding("node-7"))["node"] == "node-7"


@given(
    name=hs.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
    op=hs.sampled_from(["=", "!=", "=~", "!~"]),
    value=hs.text(alphabet=hs.characters(blacklist_categories=("Cs",)), max_size=12),
)
def test_a_matcher_reads_back_from_its_own_text(name: str, op: MatchOp, value: str) -> None:
    if op in ("=~", "!~"):
        value = re.escape(value)
    m = Matcher.make(name, op, value)
    assert parse_matcher_list([str(m)]) == (m,)


@given(ms=hs.integers(min_value=0, max_value=10**13))
def test_a_duration_reads_back_from_its_own_text(ms: int) -> None:
    assert parse_duration(format_duration(ms)) == ms
