"""``Parser`` remembers series heads between scrapes: the samples are exactly the library's,
every new series is still judged by the library, and the memory holds only what is exposed."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.ingress_metrics.errors import ExpositionError
from agent.ingress_metrics.parsing import Parser, parse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ingress"


@pytest.mark.parametrize("name", ["ingress-nginx.prom", "traefik.prom", "envoy.prom"])
def test_the_samples_are_the_librarys_scrape_after_scrape(name: str) -> None:
    text = (FIXTURES / name).read_text()
    later = text.replace(" 9", " 19")  # values change, series stay
    parser = Parser()
    assert parser.parse(text) == parse(text)
    assert parser.parse(later) == parse(later)


def test_awkward_lines_parse_as_the_library_parses_them() -> None:
    text = (
        'a_total{path="/x} y",q="1 2"} 3\n'  # a brace and spaces inside a label value
        "plain 4.5\n"
        'with_ts{k="v"} 7 1700000000000\n'
        "  \n# HELP x y\n"
        "# TYPE c counter\nc 1\nc_total 2\n"  # the TYPE names the samples, as in the library
    )
    parser = Parser()
    for _ in range(2):
        assert parser.parse(text) == parse(text)


def test_a_malformed_new_series_is_refused_by_the_library() -> None:
    parser = Parser()
    parser.parse('ok{a="b"} 1\n')
    with pytest.raises(ExpositionError):
        parser.parse('ok{a="b"} 1\nbad{a="b} 2\n')
    with pytest.raises(ExpositionError):
        parser.parse("novalue5\n")
    with pytest.raises(ExpositionError):
        parser.parse('ok{a="b"} one\n')  # a known series with a bad value


def test_the_memory_holds_only_the_series_of_the_last_exposition() -> None:
    parser = Parser()
    parser.parse('a{x="1"} 1\nb{x="2"} 2\n')
    parser.parse('b{x="2"} 3\n')
    assert [head for _, head in parser._heads] == ['b{x="2"}']
