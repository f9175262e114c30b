"""SMS gateways that misbehave as real operators do, in front of the simulator.

A test names one in ``QYZMET_SMS_GATEWAY``; the platform builds a new instance for each
message, so what they remember lives on the class.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from qyzmet.messaging.adapters import SimulatedSmsGateway, TransientFailure


class FlakyGateway(SimulatedSmsGateway):
    """Refuses the next ``failures[to]`` messages to a number as "try again later"."""

    failures: Counter[str] = Counter()

    def send(self, to: str, text: str, reference: str) -> str:
        if self.failures[to] > 0:
            self.failures[to] -= 1
            raise TransientFailure("503 Service Unavailable")
        return super().send(to, text, reference)


class SlowGateway(SimulatedSmsGateway):
    """Takes half a second per message and counts the calls it gets."""

    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def send(self, to: str, text: str, reference: str) -> str:
        with self.lock:
            self.calls[reference] += 1
        time.sleep(0.5)
        return super().send(to, text, reference)


class WorkerKilled(BaseException):
    """What a worker process being killed looks like from inside: nothing catches it."""


class DyingGateway(SimulatedSmsGateway):
    """Sends the message, then the worker dies before it can record that it did."""

    def send(self, to: str, text: str, reference: str) -> str:
        super().send(to, text, reference)
        raise WorkerKilled
