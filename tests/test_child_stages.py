"""pipelines/child.py in_child_stages: the build's read sends its results in two steps from a forked child."""
from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from pipelines.child import in_child_stages
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
