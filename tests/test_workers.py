"""Worker pools: inside one run every stage shares one pool (its workers start and import once),
and the pool's workers are gone when the run ends."""
import os
import time

from pipeline.workers import run_pool, worker_pool


def _pid(_: object) -> int:
    time.sleep(0.05)             # long enough that both workers take a task
    return os.getpid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:                         # a zombie is gone for our purpose
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


def test_stages_of_one_run_share_one_pool_and_it_ends_with_the_run():
    with run_pool(start=True):
        with worker_pool() as first:
            reading = set(first.map(_pid, range(8)))
        with worker_pool() as second:                  # the next stage: the same workers
            building = set(second.map(_pid, range(8)))
        assert second is first and reading & building      # same processes, not new ones
        assert os.getpid() not in reading
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in reading | building) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in reading | building)


def test_outside_a_run_each_pool_is_its_own():
    with worker_pool(1) as a:
        pa = a.submit(_pid, 0).result()
    with worker_pool(1) as b:
        pb = b.submit(_pid, 0).result()
    assert a is not b and pa != pb
