from bench.anomaly import cost, judgement


def test_the_labelled_set_is_judged_without_a_miss_or_a_false_alarm() -> None:
    precision, recall, false_per_k = judgement(50)
    assert (precision, recall, false_per_k) == (1.0, 1.0, 0.0)


def test_a_round_over_quiet_containers_finds_nothing() -> None:
    cpu_s, found = cost(20)
    assert found == 0
    assert cpu_s > 0
