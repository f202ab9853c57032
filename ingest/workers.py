"""Worker processes that parse export files and normalise API pulls for the one writer.

DuckDB allows a single writer, and parsing (Python, one core) is most of what landing costs. A
process pool parses the next files (or pulls) while the main process writes the current one, so
both cores work. Results are taken in the order the serial path would produce them and landed by
the same code, so the warehouse ends identical (tests/transforms/test_parallel_landing.py).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Generic, TypeVar

Result = TypeVar("Result")

# Automatic choice (workers=None): a pool only pays off when there is enough to parse, since each
# worker is a fresh interpreter that imports the connectors (about a second).
AUTO_MIN_JOBS = 4
AUTO_MIN_BYTES = 4 << 20


def auto_workers(jobs: int, size_bytes: int | None = None) -> int:
    """Worker processes for `jobs` parse jobs of `size_bytes` in all: one per core, or 0 (parse
    in this process) when there is one core or too little to parse."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < 2 or jobs < AUTO_MIN_JOBS or (size_bytes is not None and size_bytes < AUTO_MIN_BYTES):
        return 0
    return cores


class OrderedPool(Generic[Result]):
    """`function(*arguments)` for each job in worker processes, at most `ahead` jobs in flight;
    results are taken by job key (any order; keys never taken are cancelled on close).

    Spawned, not forked: the parent holds a DuckDB connection and, under Dagster, threads.
    """

    def __init__(self, function: Callable[..., Result], jobs: Sequence[tuple[Hashable, tuple]], workers: int,
                 ahead: int | None = None) -> None:
        self._function = function
        self._jobs = list(jobs)
        self._keys = {key for key, _ in self._jobs}
        self._ahead = ahead or 2 * workers
        self._next = 0
        self._futures: dict[Hashable, Future[Result]] = {}
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def __enter__(self) -> OrderedPool[Result]:
        self._fill()
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit_next(self) -> None:
        key, arguments = self._jobs[self._next]
        self._futures[key] = self._pool.submit(self._function, *arguments)
        self._next += 1

    def _fill(self) -> None:
        while self._next < len(self._jobs) and len(self._futures) < self._ahead:
            self._submit_next()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def take(self, key: Hashable) -> Result:
        """The result of job `key` (waiting for it); raises what the function raised."""
        if key not in self._keys:
            raise KeyError(key)
        while key not in self._futures:
            self._submit_next()
        future = self._futures.pop(key)
        self._keys.discard(key)
        self._fill()
        return future.result()
