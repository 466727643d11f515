import calendar

import pytest

from master.anomaly import explain
from master.anomaly.baselines import baseline
from master.anomaly.seasonal import bucket_name, ewma, hour_of_week, profile
from master.anomaly.series import Point

MONDAY = calendar.timegm((2026, 11, 30, 0, 0, 0))  # a Monday, 00:00 UTC


def test_hour_of_week_starts_on_monday_midnight_and_honours_the_offset() -> None:
    assert hour_of_week(MONDAY) == 0
    tuesday_14 = MONDAY + 86400 + 14 * 3600
    assert hour_of_week(tuesday_14) == 38
    assert bucket_name(38) == "Tuesday 14:00"
    assert hour_of_week(MONDAY - 1) == 167  # Sunday 23:59
    # 13:00 UTC is 14:00 in UTC+1.
    assert hour_of_week(tuesday_14 - 3600, utc_offset_s=3600) == 38


def test_no_seasonal_profile_before_a_week_of_history() -> None:
    six_days = [Point(MONDAY + i * 300.0, 1.0) for i in range(6 * 288)]
    assert profile(six_days, sigma_floor=0.1) is None
    eight_days = [Point(MONDAY + i * 300.0, 1.0) for i in range(8 * 288)]
    prof = profile(eight_days, sigma_floor=0.1)
    assert prof is not None and len(prof) == 168


def test_the_baseline_is_seasonal_with_a_week_of_data_and_rolling_before() -> None:
    def at(t: float) -> float:
        return 300.0 if hour_of_week(t) == 38 else 100.0  # Tuesdays 14:00 are busy

    history = [Point(MONDAY + i * 300.0, at(MONDAY + i * 300.0)) for i in range(16 * 288)]
    now = MONDAY + 15 * 86400 + 14 * 3600 + 1800  # Tuesday of the third week, 14:30
    seasonal = baseline([p for p in history if p.t_s < now], now, sigma_floor=1.0)
    assert seasonal is not None
    assert seasonal.centre == 300.0
    assert seasonal.described == "its usual level for Tuesday 14:00"
    rolling = baseline([p for p in history if now - 3 * 86400 < p.t_s < now], now, sigma_floor=1.0)
    assert rolling is not None
    assert rolling.centre == 100.0
    assert rolling.described == "its level over the last 24 h"


def test_ewma_weighs_the_newest_and_refuses_nonsense() -> None:
    assert ewma([0.0, 10.0], 0.5) == 5.0
    assert ewma([4.0], 0.3) == 4.0
    with pytest.raises(ValueError, match="alpha"):
        ewma([1.0], 0.0)
    with pytest.raises(ValueError, match="empty"):
        ewma([], 0.5)


def test_plain_words_units() -> None:
    assert explain.size(512 * 2**20) == "512 MiB"
    assert explain.size(1.5 * 2**30) == "1.5 GiB"
    assert explain.size(12) == "12 B"
    assert explain.rate_per_min(12 * 2**20 / 60) == "12 MiB/min"
    assert explain.cores(0.5) == "500m"
    assert explain.cores(2.0) == "2"
    assert explain.about(25 * 60) == "~25 min"
    assert explain.about(10) == "now"
    assert explain.about(3 * 3600) == "~3 h"
    assert explain.about(5 * 86400) == "~5 d"
    assert explain.times(3.42) == "3.4\N{MULTIPLICATION SIGN}"
    assert explain.plural(1, "restart") == "1 restart"
    assert explain.plural(5, "restart") == "5 restarts"
