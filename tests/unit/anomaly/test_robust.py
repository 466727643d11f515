import random

from master.anomaly.robust import MAD_TO_SIGMA, mad, median, rise, robust_z, scale, trend
from master.anomaly.series import Point


def line(n: int, slope: float, *, start: float = 0.0) -> list[Point]:
    return [Point(float(i * 30), start + slope * i * 30) for i in range(n)]


def test_theil_sen_recovers_a_line_exactly_with_tau_one() -> None:
    fit = trend(line(50, 2.5, start=100.0))
    assert fit is not None
    assert abs(fit.slope_per_s - 2.5) < 1e-9
    assert abs(fit.at(0) - 100.0) < 1e-6
    assert fit.tau == 1.0
    assert fit.residual_sigma < 1e-9


def test_theil_sen_ignores_a_fifth_of_wild_outliers_where_least_squares_would_not() -> None:
    rng = random.Random(7)
    pts = line(100, 1.0)
    spoiled = [Point(p.t_s, p.value + (1e6 if rng.random() < 0.2 else 0.0)) for p in pts]
    fit = trend(spoiled)
    assert fit is not None
    assert 0.9 < fit.slope_per_s < 1.1


def test_a_flat_noisy_series_has_no_consistent_trend() -> None:
    rng = random.Random(3)
    pts = [Point(float(i * 30), 100 + rng.gauss(0, 1)) for i in range(120)]
    fit = trend(pts)
    assert fit is not None
    assert abs(fit.tau) < 0.2


def test_long_series_are_thinned_but_keep_their_trend() -> None:
    fit = trend(line(2000, 0.5))
    assert fit is not None
    assert abs(fit.slope_per_s - 0.5) < 1e-9


def test_too_few_points_or_no_time_span_give_no_trend() -> None:
    assert trend(line(2, 1.0)) is None
    assert trend([Point(5.0, 1.0), Point(5.0, 2.0), Point(5.0, 3.0)]) is None


def test_mad_and_scale_and_the_floor_that_keeps_a_flat_history_from_dividing_by_zero() -> None:
    xs = [1.0, 2.0, 3.0, 4.0, 100.0]
    assert median(xs) == 3.0
    assert mad(xs) == 1.0
    assert scale(xs, floor=0.0) == MAD_TO_SIGMA
    assert scale([5.0] * 10, floor=0.5) == 0.5
    assert robust_z(8.0, 5.0, 0.5) == 6.0


def test_the_rise_screen_sees_steady_growth_and_not_noise() -> None:
    assert rise(line(40, 1.0)) == median([p.value for p in line(40, 1.0)[-10:]]) - median(
        [p.value for p in line(40, 1.0)[:10]]
    )
    assert rise(line(40, 1.0)) > 0.7 * 39 * 30
    rng = random.Random(5)
    flat = [Point(float(i * 30), 100 + rng.gauss(0, 1)) for i in range(120)]
    assert abs(rise(flat)) < 1.0
    assert rise(line(3, 1.0)) == 0.0
