"""When to look for the next result: often near the time a machine's next result is due, rarely before.

A machine cycling steadily publishes its results one cycle apart. Polling result_ready every few
milliseconds all the time would cost CPU for every station; polling every few tens of milliseconds
adds that much to the capture latency. The cadence learns each machine's cycle from the results
themselves (the median of its last periods) and polls fast only in the window where the next
result is due, slowly elsewhere: on average fewer polls than a fixed interval, and a result is seen
within `fast_s` of being published whenever the machine keeps its rhythm. While the rhythm is not
known yet (the first results after a start) the machine is polled at `fast_s`; once it has stopped
(no result for GIVE_UP periods), at `slow_s`, so a result after a stop is seen within it.
"""

from __future__ import annotations

from collections import deque
from statistics import median

HISTORY = 5  # periods remembered: the median ignores one long stop or one quick retest
LEAD = 0.8  # the fast window opens this fraction of a period after the last result
GIVE_UP = 3.0  # no result for this many periods: the machine has stopped, look only now and then


class ResultCadence:
    """Delay before the next result poll of one machine, from the times its results appeared."""

    def __init__(self, fast_s: float, slow_s: float) -> None:
        self.fast_s = fast_s
        self.slow_s = max(slow_s, fast_s)
        self._periods: deque[float] = deque(maxlen=HISTORY)
        self._last: float | None = None

    def seen(self, now: float) -> None:
        """A new result appeared at monotonic time `now`."""
        if self._last is not None and now > self._last:
            self._periods.append(now - self._last)
        self._last = now

    @property
    def expected_period_s(self) -> float | None:
        """The machine's learnt cycle (median period), or None while it is not known yet."""
        return median(self._periods) if len(self._periods) >= 2 else None

    def delay(self, now: float) -> float:
        """Seconds to wait before the next poll, seen from monotonic time `now`."""
        period = self.expected_period_s
        if period is None or self._last is None:
            return self.fast_s  # rhythm unknown (the first results after a start): do not risk a late one
        elapsed = now - self._last
        opens = LEAD * period
        if elapsed < opens:
            return max(self.fast_s, min(self.slow_s, opens - elapsed))  # wake when the window opens
        if elapsed <= GIVE_UP * period:
            return self.fast_s
        return self.slow_s
