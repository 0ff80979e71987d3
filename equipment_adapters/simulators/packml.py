"""PackML (ISA-TR88.00.02) state machine: states, commands, transitions, time in state."""

from __future__ import annotations

from collections.abc import Callable

from equipment_adapters.packml import PackMLCommand, PackMLState, PackMLUnitMode

Clock = Callable[[], float]  # monotonic seconds; injected so tests drive time by hand


# The numbers are the standard's, shared with the MES; the simulator's short names stay.
State = PackMLState
Command = PackMLCommand
UnitMode = PackMLUnitMode


# Acting states finish on their own ("state complete", SC) into the next state.
ACTING_DONE: dict[State, State] = {
    State.RESETTING: State.IDLE,
    State.STARTING: State.EXECUTE,
    State.COMPLETING: State.COMPLETE,
    State.HOLDING: State.HELD,
    State.UNHOLDING: State.EXECUTE,
    State.SUSPENDING: State.SUSPENDED,
    State.UNSUSPENDING: State.EXECUTE,
    State.STOPPING: State.STOPPED,
    State.ABORTING: State.ABORTED,
    State.CLEARING: State.STOPPED,
}

# Commands accepted in one particular state, and the acting state they lead to.
COMMANDED: dict[tuple[State, Command], State] = {
    (State.STOPPED, Command.RESET): State.RESETTING,
    (State.COMPLETE, Command.RESET): State.RESETTING,
    (State.IDLE, Command.START): State.STARTING,
    (State.EXECUTE, Command.COMPLETE): State.COMPLETING,
    (State.EXECUTE, Command.HOLD): State.HOLDING,
    (State.HELD, Command.UNHOLD): State.UNHOLDING,
    (State.EXECUTE, Command.SUSPEND): State.SUSPENDING,
    (State.SUSPENDED, Command.UNSUSPEND): State.UNSUSPENDING,
    (State.ABORTED, Command.CLEAR): State.CLEARING,
}

NO_STOP_FROM = frozenset({State.STOPPED, State.STOPPING, State.CLEARING, State.ABORTING, State.ABORTED})
NO_ABORT_FROM = frozenset({State.ABORTING, State.ABORTED})


class InvalidCommand(ValueError):
    """The command is not allowed in the current state (PackML ignores it; we report it)."""


def target_state(state: State, command: Command) -> State:
    """The state a command leads to from `state`; InvalidCommand when the command is not allowed."""
    if command is Command.ABORT:
        if state in NO_ABORT_FROM:
            raise InvalidCommand(f"Abort is not allowed in {state.name}")
        return State.ABORTING
    if command is Command.STOP:
        if state in NO_STOP_FROM:
            raise InvalidCommand(f"Stop is not allowed in {state.name}")
        return State.STOPPING
    try:
        return COMMANDED[(state, command)]
    except KeyError:
        raise InvalidCommand(f"{command.name} is not allowed in {state.name}") from None


class PackMLMachine:
    """The state of one unit, its transitions and the cumulative time spent in each state."""

    def __init__(self, clock: Clock, state: State = State.STOPPED, acting_time_s: float = 0.0) -> None:
        self._clock = clock
        self.state = state
        self.unit_mode = UnitMode.PRODUCTION
        self.acting_time_s = acting_time_s  # how long Resetting, Starting, … take before SC
        self._entered_at = clock()
        self._cumulative: dict[State, float] = {}

    def command(self, command: Command | int) -> State:
        """Apply a CntrlCmd; raise InvalidCommand (state unchanged) when it is not allowed here."""
        try:
            cmd = Command(command)
        except ValueError:
            raise InvalidCommand(f"unknown command {command}") from None
        self._enter(target_state(self.state, cmd))
        return self.state

    def state_complete(self) -> State:
        """Finish the current acting state (SC) when it is one; waiting states stay."""
        if self.state in ACTING_DONE:
            self._enter(ACTING_DONE[self.state])
        return self.state

    def advance(self) -> State:
        """Let acting states complete once they have lasted acting_time_s."""
        while self.state in ACTING_DONE and self.time_in_state() >= self.acting_time_s:
            self.state_complete()
            if self.acting_time_s > 0:
                break  # one step per call, so every acting state is visible for its duration
        return self.state

    def time_in_state(self) -> float:
        """Seconds since the current state was entered."""
        return self._clock() - self._entered_at

    def cumulative_time(self, state: State) -> float:
        """Total seconds spent in `state` so far, the current stay included (StateCumulativeTime)."""
        total = self._cumulative.get(state, 0.0)
        return total + self.time_in_state() if state is self.state else total

    def _enter(self, new: State) -> None:
        now = self._clock()
        self._cumulative[self.state] = self._cumulative.get(self.state, 0.0) + now - self._entered_at
        self.state = new
        self._entered_at = now
