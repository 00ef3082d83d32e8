#!/bin/sh
# The autoscheduler's evaluation: every bench layer (apps/bench) and some
# Transformer op families autoscheduled on the cluster (default budget,
# K=6 measured) against the hand default schedule measured alongside;
# writes OUT/evaluation.md (the table in the top README) and one
# OUT/<layer>.json / .sched per layer. A benchmark, not a test.
#
#   evaluate.sh build/autoscheduler/halyard-autoschedule OUT_DIR
set -eu
tool=$1
out=$2
mkdir -p "$out"
layers="gemm_64x64x64|gemm M=64 K=64 N=64 trans_b=1
gemm_128x256x64|gemm M=128 K=256 N=64 trans_b=1
ffn_up_16x64x256|gemm M=16 K=64 N=256 trans_b=1
ffn_down_16x256x64|gemm M=16 K=256 N=64 trans_b=1
gemv_1x64x256|gemm M=1 K=64 N=256 trans_b=1
mha_scores_8h_64x16x64|matmul a_shape=8x64x16 b_shape=8x64x16 trans_b=1
ffn_up_rq_16x64x256|gemm M=16 K=64 N=256 trans_b=1 bias=256 requant=1 mul_shape=256 log2d=12
irmsnorm_16x64|irmsnorm shape=16x64
irmsnorm_64x64|irmsnorm shape=64x64
isoftmax_4x16x16|isoftmax shape=4x16x16
requant_shift_64x256|requant_shift shape=64x256
igelu_16x256|igelu shape=16x256"
echo "$layers" | while IFS='|' read -r name layer; do
    echo "evaluate: $name ($layer)" >&2
    # shellcheck disable=SC2086
    "$tool" $layer --target cluster --no-cache --json "$out/$name.json" --out "$out/$name.sched" 2>"$out/$name.log" \
        || echo "evaluate: $name failed (see $out/$name.log)" >&2
done
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = []
for f in sorted(os.listdir(out)):
    if not f.endswith(".json"): continue
    j = json.load(open(os.path.join(out, f)))
    name = f[:-5]
    d = j["default"]["measured_cycles"] if j["default"]["ok"] else None
    meas = [c for c in j["candidates"] if c.get("measured_ok") and not c.get("npu")]
    best = min(meas, key=lambda c: c["measured_cycles"]) if meas else None
    a = best["measured_cycles"] if best else None
    win = min(x for x in (a, d) if x) if (a or d) else None
    err = [abs(c["predicted_cycles"] - c["measured_cycles"]) / c["measured_cycles"] for c in meas]
    rows.append((name, d, a, win, best, j["search_seconds"], j["measure_seconds"], sum(err) / len(err) if err else None))
lines = ["| layer | hand default | best searched | result | vs default | predicted / measured (searched best) | mean \\|error\\| of the K | search s | measure s |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
for name, d, a, win, best, ss, ms, e in rows:
    ratio = "%.2fx" % (d / win) if d and win else "-"
    pm = "%d / %d" % (best["predicted_cycles"], best["measured_cycles"]) if best else "-"
    lines.append("| %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f |" % (
        name, d or "FAIL", a or "FAIL", win or "-", ratio, pm, "%.0f%%" % (100 * e) if e is not None else "-", ss, ms))
better = sum(1 for r in rows if r[1] and r[2] and r[2] < r[1])
lines.append("")
lines.append("%d layers; the search beat the hand default on %d (result = the faster of the two, as written to the .sched)." % (len(rows), better))
open(os.path.join(out, "evaluation.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
