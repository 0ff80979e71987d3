"""PackML state machine: every transition of DOMAIN.md §6, rejected commands, time in state."""

from __future__ import annotations

import pytest

from equipment_adapters.simulators.packml import (
    Command,
    InvalidCommand,
    PackMLMachine,
    State,
    target_state,
)

S, C = State, Command
ALLOWED = [
    (S.STOPPED, C.RESET, S.RESETTING),
    (S.COMPLETE, C.RESET, S.RESETTING),
    (S.IDLE, C.START, S.STARTING),
    (S.EXECUTE, C.COMPLETE, S.COMPLETING),
    (S.EXECUTE, C.HOLD, S.HOLDING),
    (S.HELD, C.UNHOLD, S.UNHOLDING),
    (S.EXECUTE, C.SUSPEND, S.SUSPENDING),
    (S.SUSPENDED, C.UNSUSPEND, S.UNSUSPENDING),
    (S.ABORTED, C.CLEAR, S.CLEARING),
]
REJECTED = [
    (S.STOPPED, C.START), (S.IDLE, C.RESET), (S.EXECUTE, C.START), (S.EXECUTE, C.UNHOLD),
    (S.HELD, C.HOLD), (S.SUSPENDED, C.UNHOLD), (S.ABORTED, C.RESET), (S.STOPPED, C.CLEAR),
    (S.STOPPED, C.STOP), (S.STOPPING, C.STOP), (S.CLEARING, C.STOP), (S.ABORTING, C.STOP),
    (S.ABORTED, C.STOP), (S.ABORTING, C.ABORT), (S.ABORTED, C.ABORT), (S.COMPLETE, C.COMPLETE),
]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("state", "command", "expected"), ALLOWED)
def test_a_command_allowed_in_a_state_leads_to_its_acting_state(state, command, expected):
    assert target_state(state, command) is expected


@pytest.mark.parametrize(("state", "command"), REJECTED)
def test_a_command_not_allowed_in_a_state_is_rejected(state, command):
    with pytest.raises(InvalidCommand):
        target_state(state, command)


@pytest.mark.parametrize("state", sorted(set(State) - {S.STOPPED, S.STOPPING, S.CLEARING, S.ABORTING, S.ABORTED}))
def test_stop_is_accepted_from_every_state_but_the_stopped_and_aborted_family(state):
    assert target_state(state, C.STOP) is S.STOPPING


@pytest.mark.parametrize("state", sorted(set(State) - {S.ABORTING, S.ABORTED}))
def test_abort_is_accepted_from_every_state_but_aborting_and_aborted(state):
    assert target_state(state, C.ABORT) is S.ABORTING


def test_acting_states_complete_on_their_own_after_their_duration():
    clock = FakeClock()
    machine = PackMLMachine(clock, acting_time_s=0.5)
    machine.command(C.RESET)
    assert machine.advance() is S.RESETTING
    clock.now = 0.5
    assert machine.advance() is S.IDLE
    machine.command(C.START)
    clock.now = 1.0
    assert machine.advance() is S.EXECUTE


def test_the_full_cycle_through_hold_suspend_complete_and_abort_follows_the_standard():
    machine = PackMLMachine(FakeClock())
    path = [(C.RESET, S.IDLE), (C.START, S.EXECUTE), (C.HOLD, S.HELD), (C.UNHOLD, S.EXECUTE),
            (C.SUSPEND, S.SUSPENDED), (C.UNSUSPEND, S.EXECUTE), (C.COMPLETE, S.COMPLETE),
            (C.RESET, S.IDLE), (C.ABORT, S.ABORTED), (C.CLEAR, S.STOPPED)]
    for command, settled in path:
        machine.command(command)
        assert machine.advance() is settled


def test_a_rejected_command_leaves_the_state_unchanged():
    machine = PackMLMachine(FakeClock())
    with pytest.raises(InvalidCommand):
        machine.command(C.START)
    with pytest.raises(InvalidCommand):
        machine.command(99)
    assert machine.state is S.STOPPED


def test_cumulative_time_in_each_state_is_accounted_including_the_current_stay():
    clock = FakeClock()
    machine = PackMLMachine(clock)
    clock.now = 3.0
    machine.command(C.RESET)
    machine.advance()
    machine.command(C.START)
    machine.advance()
    clock.now = 10.0
    machine.command(C.HOLD)
    machine.advance()
    clock.now = 12.0
    machine.command(C.UNHOLD)
    machine.advance()
    clock.now = 15.0
    assert machine.cumulative_time(S.STOPPED) == 3.0
    assert machine.cumulative_time(S.EXECUTE) == 10.0  # 7 s, then 3 s in the current stay
    assert machine.cumulative_time(S.HELD) == 2.0
    assert machine.time_in_state() == 3.0
