#!/usr/bin/env python3
"""What rendering costs: `render_all` on the stories a real cycle selected, timed and saved.

usage: python bench/render_cost.py capture DATA_DIR CAPTURE [--feeds 300] [--items 50]
       python bench/render_cost.py render CAPTURE [--out DIR] [--profile]

`capture` runs the cycle of bench/run_cycle.py (DATA_DIR is the bench data folder holding
stories/*.jsonl) and, besides it, one digest of the sample articles of `newsdesk init`, and
pickles the arguments of every `render_all` call into CAPTURE. `render` replays those calls in
order in this process (so the second call of the cycle finds whatever the first one left warm,
as the scheduled job does), prints CPU and wall time per call, and with --out writes every draft
(and its extra files) under DIR/<call>/, to diff before and after a change (`diff -r`).
The pickle holds the project's records: capture again after a change to pipeline/model.py.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pickle
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def capture(args: argparse.Namespace) -> None:
    import pipeline.run as run
    from pipeline.cli import main as cli_main
    from pipeline.config import load_settings

    calls: list[tuple[str, tuple]] = []
    original = run.render_all

    def recording(stories, settings, day):
        calls.append((f"call{len(calls) + 1}", (list(stories), settings, day)))
        return original(stories, settings, day)

    run.render_all = recording
    with tempfile.TemporaryDirectory(prefix="newsdesk-render-") as tmp:
        cfg = Path(tmp) / "newsdesk.toml"
        with contextlib.redirect_stdout(io.StringIO()):
            cli_main(["init", str(cfg)])
        run.run_digest(load_settings(cfg, env={}), progress=False)
    seeds = len(calls)
    import run_cycle

    cycle_args = argparse.Namespace(data_dir=args.data_dir, items=args.items, seed=1, profile=None)
    run_cycle.cycle(cycle_args, args.feeds)
    names = ["seeds"] * seeds + [f"cycle{k + 1}" for k in range(len(calls) - seeds)]
    named = [(name, a) for name, (_, a) in zip(names, calls)]
    args.capture.write_bytes(pickle.dumps(named))
    print(f"captured {len(named)} render_all calls: "
          + ", ".join(f"{n} ({len(a[0])} stories)" for n, a in named))


def render(args: argparse.Namespace) -> None:
    t = time.perf_counter()
    from pipeline.run import render_all

    print(f"import of pipeline.run: {time.perf_counter() - t:.3f} s (render imports come at the first call)")
    calls = pickle.loads(args.capture.read_bytes())
    profiler = cProfile.Profile() if args.profile else None
    for name, (stories, settings, day) in calls:
        if profiler:
            profiler.enable()
        t, cpu = time.perf_counter(), time.process_time()
        drafts = render_all(stories, settings, day)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        if profiler:
            profiler.disable()
        print(f"{name}: {len(stories)} stories, {len(drafts)} drafts: {cpu:.3f} s CPU, {wall:.3f} s wall")
        if args.out:
            for draft in drafts:
                files = ((draft.path, draft.content), *draft.extra)
                for path, body in files:
                    target = args.out / name / path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(body.encode("utf-8", "surrogatepass"))
    if profiler:
        st = pstats.Stats(profiler)
        st.sort_stats("cumulative").print_stats(r"pipeline/", 30)
        st.sort_stats("tottime").print_stats(15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture", help="run a cycle and keep render_all's arguments")
    cap.add_argument("data_dir", type=Path)
    cap.add_argument("capture", type=Path)
    cap.add_argument("--feeds", type=int, default=300)
    cap.add_argument("--items", type=int, default=50)
    ren = sub.add_parser("render", help="replay the captured render_all calls")
    ren.add_argument("capture", type=Path)
    ren.add_argument("--out", type=Path, help="write the drafts here (one folder per call)")
    ren.add_argument("--profile", action="store_true", help="print cProfile's top costs")
    args = ap.parse_args()
    capture(args) if args.command == "capture" else render(args)


if __name__ == "__main__":
    main()
