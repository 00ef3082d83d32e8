#!/usr/bin/env python3
"""Simulation speed of halyard-sim, and the check that a faster build still
simulates the same cluster.

    sim_speed.py --sim build/targets/cluster/sim/halyard-sim [--baseline OLD/halyard-sim]...
                 [--repeat N] [--max-cycles N] prog.elf...

Runs every ELF on the simulator (and on each baseline, interleaved, so all
see the same machine load), N times each, and prints the best cluster
cycles per second of each (wall time of the simulation loop, as halyard-sim
reports it). With --baseline (which may be given more than once) it also
compares the runs of every ELF: exit status, stdout and the --json report
(total cycles, every core's perf counters, DMA, TCDM, NPU and energy
figures; not the timing fields), and exits with 1 when any differs from the
simulator's. A field the new report has and a baseline's lacks counts as the
same when it is 0 (a counter added since, such as the NPU's weight_mem_bytes,
that the program never moves).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

TIMING_KEYS = ("sim_seconds", "sim_cycles_per_second")


def run(sim, elf, max_cycles, tmp):
    report = os.path.join(tmp, "r.json")
    if os.path.exists(report):
        os.remove(report)
    p = subprocess.run([sim, "--max-cycles", str(max_cycles), "--json", report, elf],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    m = re.search(r"after (\d+) cycles \(([\d.]+) s, (\d+) cycles/s\)", err)
    speed = int(m.group(3)) if m else 0
    result = {"status": p.returncode, "stdout": p.stdout.decode(errors="replace")}
    if os.path.exists(report):
        with open(report) as f:
            r = json.load(f)
        for k in TIMING_KEYS:
            r.pop(k, None)
        result["json"] = r
    return speed, result


def drop_new_zeros(new, old):
    """`new` without the keys `old` lacks whose value is 0 (recursively)."""
    if not isinstance(new, dict) or not isinstance(old, dict):
        return new
    return {k: drop_new_zeros(v, old[k]) if k in old else v
            for k, v in new.items() if k in old or v != 0}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--baseline", action="append", default=[])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--max-cycles", type=int, default=50000000)
    ap.add_argument("elfs", nargs="+")
    a = ap.parse_args()
    sims = [a.sim] + a.baseline
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        hdr = f"{'elf':32s} {'cycles':>10s} {'new cycles/s':>13s}"
        for i in range(len(a.baseline)):
            name = "baseline" if len(a.baseline) == 1 else f"baseline{i + 1}"
            hdr += f" {name:>10s} {'speed-up':>8s}  same"
        print(hdr)
        for elf in a.elfs:
            best = [0] * len(sims)
            results = [None] * len(sims)
            for _ in range(a.repeat):
                for i, s in enumerate(sims):
                    speed, res = run(s, elf, a.max_cycles, tmp)
                    best[i] = max(best[i], speed)
                    results[i] = res
            cycles = results[0].get("json", {}).get("cycles", "?")
            line = f"{os.path.basename(elf):32s} {cycles:>10} {best[0]:>13d}"
            for i in range(1, len(sims)):
                same = drop_new_zeros(results[0], results[i]) == results[i]
                differ += not same
                ratio = best[0] / best[i] if best[i] else 0.0
                line += f" {best[i]:>10d} {ratio:>7.2f}x  {'yes' if same else 'NO'}"
            print(line, flush=True)
    if differ:
        print(f"{differ} run(s) of a baseline simulate differently", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
