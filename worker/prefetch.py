"""Run a producer ahead of its consumer in a thread, a bounded number of items ahead.

Synthesis (a GPU kernel, an espeak-ng process) releases the GIL while it works, so the next chunks can be
rendered while the current one is trimmed, checkpointed and written; the bound keeps memory constant.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_POLL_SECONDS = 0.5


class _Done:
    pass


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Ahead(Generic[T]):
    """Iterate ``source`` in a background thread, at most ``depth`` items ahead; errors re-raise here."""

    def __init__(self, source: Callable[[], Iterable[T]], depth: int = 8) -> None:
        self._items: queue.Queue[T | _Done | _Failed] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(source,), name="prefetch", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._items.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def close(self) -> None:
        """Stop the producer after its current item; safe to call more than once."""
        self._stop.set()
        self._thread.join(timeout=60)

    def _put(self, item: T | _Done | _Failed) -> bool:
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, source: Callable[[], Iterable[T]]) -> None:
        try:
            for item in source():
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which decides what it means
            self._put(_Failed(exc))
            return
        self._put(_Done())
