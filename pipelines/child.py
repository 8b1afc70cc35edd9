"""Run one step of the build in a forked child process (pipelines/build.py: the read phase, a fresh clone's
shapes), so that the memory the step used is the OS's again when the child exits."""
from __future__ import annotations

import os
import pickle
import signal
import struct

from pipelines.load import BuildError


def in_child(fn, *args):
    """fn(*args) in a forked child process: its result comes back pickled and its exception is raised here. The
    memory the child used is the OS's again when it exits, instead of staying as the parent's heap fragments and
    allocator caches (README "Speed"). The child shares the parent's imported modules (copy on write), so it
    costs no second start-up. Where fork is missing, fn runs in this process. (in_child_stages with one stage.)"""
    stages = in_child_stages(_once, fn, *args)
    try:
        return next(stages)
    finally:
        stages.close()


def _once(fn, *args):
    yield fn(*args)


def _exit_text(status: int) -> str:
    return f"signaal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"afsluitcode {os.WEXITSTATUS(status)}"


def in_child_stages(fn, *args):
    """fn(*args), a generator function, in a forked child process: in the parent, a generator of the values the
    child's generator yields, each as soon as the child has sent it, so the parent can work on one while the child
    computes the next (pipelines/build.py: the tables' read, then the division decisions on its evidence). The
    child's exception is raised here where its value would have come. Closing the parent's generator early (the
    parent failed) stops the child. Where fork is missing, fn runs in this process."""
    if not hasattr(os, "fork"):
        yield from fn(*args)
        return
    yield from _receive(*_fork(fn, args))


def start_in_child_stages(fn, *args):
    """in_child_stages with the child forked NOW instead of at the first next(): the caller can open DuckDB after
    it (a fork copies only the calling thread, so DuckDB's threads are better not running at the fork) and work
    while the child computes (pipelines/build.py). Closing the generator stops the child, also before its first
    value. Where fork is missing, fn runs in this process, at the first next()."""
    if not hasattr(os, "fork"):
        return fn(*args)
    received = _receive(*_fork(fn, args), primed=True)
    next(received)  # runs into its try: from here on close() kills and reaps the child
    return received


def start_in_child(fn, *args):
    """fn(*args) in a forked child process started NOW, beside the caller's own work (pipelines/load.py: a part
    of the tables read in a second process). Returns (wait, stop): wait() waits for the result (the child's
    exception is raised there), stop() stops a child not waited for (the caller failed; a no-op after wait()).
    Where fork is missing, fn runs in this process when wait() is called."""
    if not hasattr(os, "fork"):
        return (lambda: fn(*args)), (lambda: None)
    pid, read_end = _fork(_once, (fn, *args))
    received = _receive(pid, read_end)
    waited = []

    def wait():
        waited.append(True)
        try:
            return next(received)
        finally:
            received.close()

    def stop() -> None:
        if not waited:  # an unstarted generator's close() runs no finally: stop the child here
            os.close(read_end)
            _kill(pid)

    return wait, stop


def _fork(fn, args: tuple) -> tuple[int, int]:
    """Fork a child that sends what the generator fn(*args) yields down a pipe; (its pid, the pipe's read end)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                try:
                    for value in fn(*args):
                        _send(out, ("value", value))
                    _send(out, ("done", None))
                except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
                    _send(out, ("error", exc))
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)  # no atexit handlers, no flushing of the parent's copied buffers
    os.close(write_end)
    return pid, read_end


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)  # done already, or the parent stopped early: no use for the rest
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _receive(pid: int, read_end: int, primed: bool = False):
    """The values a child of _fork sends, each as it arrives; the child is killed and reaped at the end.
    primed: first yields None (start_in_child_stages), so closing it early runs the cleanup."""
    reaped = False
    try:
        if primed:
            try:
                yield None
            except GeneratorExit:
                os.close(read_end)  # closed before the first value: the pipe was never opened
                raise
        with os.fdopen(read_end, "rb") as pipe:
            while True:
                header = pipe.read(8)
                data = pipe.read(struct.unpack("<Q", header)[0]) if len(header) == 8 else b""
                if not data:  # the child died without a word
                    _, status = os.waitpid(pid, 0)
                    reaped = True
                    raise BuildError(f"het inlezen van de tabellen is afgebroken ({_exit_text(status)})")
                kind, value = pickle.loads(data)
                if kind == "error":
                    raise value
                if kind == "done":
                    return
                yield value
    finally:
        if not reaped:
            _kill(pid)


def _send(out, message: tuple) -> None:
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - a value or exception that cannot be pickled
        data = pickle.dumps(("error", BuildError(f"{message[1]!r} ({exc})")))
    out.write(struct.pack("<Q", len(data)) + data)
    out.flush()
