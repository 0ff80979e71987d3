"""The result poll cadence: fast where a machine's next result is due, slow before it and after a stop."""

from mes.edge.cadence import ResultCadence

FAST, SLOW = 0.01, 0.05


def steady(period: float, results: int = 4) -> tuple[ResultCadence, float]:
    """A cadence that has seen `results` results `period` apart; and the time of the last one."""
    cadence = ResultCadence(FAST, SLOW)
    for i in range(results):
        cadence.seen(100.0 + i * period)
    return cadence, 100.0 + (results - 1) * period


def test_a_machine_whose_rhythm_is_unknown_is_polled_fast() -> None:
    cadence = ResultCadence(FAST, SLOW)
    assert cadence.delay(0.0) == FAST
    cadence.seen(1.0)
    cadence.seen(2.0)  # one period is not a rhythm yet
    assert cadence.delay(2.1) == FAST


def test_right_after_a_result_the_poll_is_slow_and_wakes_when_the_window_opens() -> None:
    cadence, last = steady(1.0)
    assert cadence.expected_period_s == 1.0
    assert cadence.delay(last + 0.1) == SLOW
    # 0.78 s after: the window opens at 0.8 s, so wake then rather than a full slow interval later
    assert abs(cadence.delay(last + 0.78) - 0.02) < 1e-9


def test_inside_the_window_the_poll_is_fast_until_the_machine_is_overdue_three_periods() -> None:
    cadence, last = steady(1.0)
    assert cadence.delay(last + 0.8) == FAST
    assert cadence.delay(last + 1.5) == FAST  # late: keep looking closely
    assert cadence.delay(last + 3.5) == SLOW  # stopped: look only now and then


def test_one_long_stop_does_not_change_the_learnt_cycle() -> None:
    cadence, last = steady(2.0, results=5)
    cadence.seen(last + 600.0)  # a ten-minute stop
    assert cadence.expected_period_s == 2.0


def test_slow_is_never_faster_than_fast() -> None:
    assert ResultCadence(0.05, 0.01).slow_s == 0.05


def test_freezing_the_heap_leaves_what_exists_out_of_later_collections() -> None:
    import gc

    from mes.edge.runtime import freeze_heap
    from mes.edge.settings import EdgeSettings

    assert EdgeSettings.from_env("L1", {}).freeze_heap  # `mes edge` freezes; MES_EDGE_FREEZE_HEAP=0 does not
    assert not EdgeSettings.from_env("L1", {"MES_EDGE_FREEZE_HEAP": "0"}).freeze_heap
    try:
        freeze_heap()
        assert gc.get_freeze_count() > 1000
        assert len(gc.get_objects()) < gc.get_freeze_count()  # a full collection now walks far less
    finally:
        gc.unfreeze()
