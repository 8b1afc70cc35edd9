"""Reads served from memory while the user store is unchanged.

Opening the DuckDB store file costs ~40 ms of CPU (DuckDB 2.0 builds a database instance per open), and the file
is closed again after a short idle time so that other processes find it free (backends.IDLE_SECONDS). A page that
shows the same few rows on every visit (a buurt's resident assets on its profile) would pay that on nearly every
visit. `ReadCache` keeps such results keyed by the backend's change token (`Backend.change_token`): a token that
differs after every write in this process and after any change of the store's files by another process. A
backend that cannot give one (PostgreSQL: other app instances write without touching anything this process can
see) returns None and every read goes to the store.

Only immutable results belong here (tuples of frozen dataclasses): every caller shares the same object.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class ReadCache:
    """A bounded map from a key to a read's result, emptied whenever the store's change token moves."""

    def __init__(self, backend, max_entries: int = 512):
        self._backend = backend
        self._max = max_entries
        self._lock = threading.Lock()
        self._token: object = None
        self._results: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """read()'s result for key, from memory when the store has not changed since it was read. The token
        is taken before reading, so a write that lands during the read moves the token and the next call
        reads again."""
        token = self._backend.change_token()
        if token is None:
            return read()
        with self._lock:
            if token != self._token:
                self._results.clear()
                self._token = token
            elif key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        result = read()
        with self._lock:
            if token == self._token:
                self._results[key] = result
                while len(self._results) > self._max:
                    self._results.popitem(last=False)
        return result
