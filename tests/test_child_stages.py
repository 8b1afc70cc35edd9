"""pipelines/child.py in_child_stages: the build's read sends its results in two steps from a forked child;
start_in_child: a part of the tables is read in a second child started at once, beside the caller's own work."""
from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from pipelines.child import in_child_stages, start_in_child, start_in_child_stages
from pipelines.load import BuildError


def _two_steps(marker: str):
    yield os.getpid(), pd.DataFrame({"code": ["BU1", "BU2"]})
    with open(marker, "w") as f:  # the second step runs after the first was sent
        f.write(str(os.getpid()))
    yield "second"


def _fails_after_one():
    yield 1
    raise BuildError("tabel X: kapot")


def _slow_second():
    yield os.getpid()
    time.sleep(600)
    yield "second"


def test_each_step_arrives_from_the_child_in_order(tmp_path):
    marker = tmp_path / "second"
    stages = in_child_stages(_two_steps, str(marker))
    pid, frame = next(stages)
    assert pid != os.getpid() and frame["code"].tolist() == ["BU1", "BU2"]
    assert next(stages) == "second"
    assert marker.read_text() == str(pid)
    with pytest.raises(StopIteration):
        next(stages)


def test_the_childs_error_arrives_where_its_value_would_have(tmp_path):
    stages = in_child_stages(_fails_after_one)
    assert next(stages) == 1
    with pytest.raises(BuildError, match="tabel X"):
        next(stages)


def test_closing_early_stops_the_child():
    stages = in_child_stages(_slow_second)
    pid = next(stages)
    os.kill(pid, 0)  # alive, in its second step
    stages.close()  # the parent failed: the child is killed and reaped (not waited for: it would sleep 600 s)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _announce(marker: str) -> None:
    with open(marker + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(marker + ".tmp", marker)


def _announces_and_returns(marker: str):
    _announce(marker)
    return os.getpid(), "done"


def _announces_and_sleeps(marker: str):
    _announce(marker)
    time.sleep(600)


def _fails():
    raise BuildError("tabel 50090NED: kapot")


def _pid_from(marker) -> int:
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:  # it runs before anyone waits
        time.sleep(0.05)
    return int(marker.read_text())


def test_a_started_child_runs_beside_the_caller_and_gives_its_result_once_waited_for(tmp_path):
    marker = tmp_path / "started"
    wait, stop = start_in_child(_announces_and_returns, str(marker))
    pid = _pid_from(marker)
    assert pid != os.getpid()
    assert wait() == (pid, "done")
    stop()  # a no-op after wait(): the child is reaped already
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_started_childs_error_is_raised_by_wait():
    wait, stop = start_in_child(_fails)
    with pytest.raises(BuildError, match="50090NED"):
        wait()
    stop()


def test_stop_without_wait_kills_the_started_child(tmp_path):
    marker = tmp_path / "started"
    _, stop = start_in_child(_announces_and_sleeps, str(marker))
    pid = _pid_from(marker)
    os.kill(pid, 0)  # alive, asleep
    stop()  # the caller failed before it waited: the child is killed and reaped, not waited for (600 s)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_started_stages_run_before_the_first_next_and_arrive_in_order(tmp_path):
    marker = tmp_path / "second"
    stages = start_in_child_stages(_two_steps, str(marker))
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:  # forked at the call: it ran both steps already
        time.sleep(0.05)
    pid, frame = next(stages)
    assert marker.read_text() == str(pid) and frame["code"].tolist() == ["BU1", "BU2"]
    assert next(stages) == "second"


def test_closing_started_stages_before_their_first_value_stops_the_child(tmp_path):
    marker = tmp_path / "started"
    stages = start_in_child_stages(_announces_then_steps, str(marker))
    pid = _pid_from(marker)
    os.kill(pid, 0)  # alive, asleep before its first value
    stages.close()  # the build failed before it took the read's results
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _announces_then_steps(marker: str):
    _announce(marker)
    time.sleep(600)
    yield "never"
