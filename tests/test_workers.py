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


def _imported(name: str) -> bool:
    import sys
    return name in sys.modules


def test_reading_sources_alone_shares_one_pool_that_imports_no_story_code(tmp_path, monkeypatch):
    """`ingest` of many files and many feeds starts one pool for both, whose workers load the
    reading code only (a digest run's pool also loads the story code, while it fetches)."""
    import shutil
    from pathlib import Path

    from loopback import LoopbackServer, conditional
    from pipeline import workers
    from pipeline.config import SourceSpec
    from pipeline.ingest import collect, feeds

    rss = Path(__file__).parent / "fixtures" / "feeds" / "rss20.xml"
    for i in range(collect.PARALLEL_MIN_FILES):
        shutil.copy(rss, tmp_path / f"f{i}.xml")
    monkeypatch.setattr(collect.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(feeds.os, "cpu_count", lambda: 2)
    pools, imports = [], []
    real = workers._new_pool

    def counted(n, preload):
        pools.append(preload)
        pool = real(n, preload)
        imports.append(pool.submit(_imported, "pipeline.stories.merge").result())
        return pool

    monkeypatch.setattr(workers, "_new_pool", counted)
    with LoopbackServer() as server:
        urls = [server.route(f"/f{i}.xml", conditional(rss.read_bytes().replace(
            b"harbour", f"harbour{i}".encode()), etag=f'"{i}"')) for i in range(feeds.PARALLEL_MIN_FEEDS)]
        result = collect.ingest([SourceSpec(name="files", path=tmp_path)]
                                + [SourceSpec(name=f"feed {i}", url=u) for i, u in enumerate(urls)],
                                progress=False, fetch_timeout=2.0)
    assert not result.errors or all(e.warning for e in result.errors)
    assert result.fetched == feeds.PARALLEL_MIN_FEEDS and len(result.articles) >= 2 * len(urls)
    assert pools == [workers.INGEST_MODULES] and imports == [False]
