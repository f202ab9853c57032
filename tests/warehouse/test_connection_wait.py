"""A writer waiting for a warehouse another process holds says so at once, naming the holder."""

import subprocess
import sys

import duckdb
import pytest

from warehouse.connection import WarehouseLockedError, connect


def test_waiting_for_a_held_lock_is_said_once_with_the_holder(tmp_path, capsys):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}); "
                               "print('held', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseLockedError), connect(path, lock_timeout_s=0.6, poll_s=0.1):
            pass
    finally:
        holder.communicate("", timeout=30)
    err = capsys.readouterr().err
    assert err.count("is locked") == 1  # once, not once per poll
    assert f"warehouse {path} is locked (Conflicting lock is held in" in err
    assert f"(PID {holder.pid})" in err
    assert "waiting up to 1 s for it" in err
