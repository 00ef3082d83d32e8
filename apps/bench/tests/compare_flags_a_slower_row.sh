#!/bin/sh
# compare_flags_a_slower_row.sh BENCH OUT_DIR BASELINE
# halyard-bench --compare on a cheap layer (the GEMV's (e) row and its 1/2/4-core
# rows, two workers at once). The baseline says (e) took 1000 cycles, so it is
# a regression (exit status 3); its e@4 row ran far faster than its baseline.
bench=$1 out=$2 base=$3
mkdir -p "$out" || exit 1
"$bench" --only gemv_1x64x256 --rows e --scaling --jobs 2 --out "$out" \
    --compare "$base" --max-slowdown 1.1 > "$out/out.txt" 2>&1
st=$?
cat "$out/out.txt"
echo "status $st"
fail() { echo "FAILED: $1"; exit 1; }
[ "$st" -eq 3 ] || fail "want exit status 3 (a regression)"
grep -q '^\[4/4\] ' "$out/out.txt" || fail "no progress line [4/4]"
grep -q 'elapsed' "$out/out.txt" || fail "no elapsed time in the progress lines"
grep -Eq 'gemv_1x64x256 +e +1000 -> .*REGRESSION' "$out/out.txt" || fail "the (e) row is not flagged"
grep -Eq 'e@4 +100000000 -> +[0-9]+ cycles +-[0-9.]+%$' "$out/out.txt" || fail "the e@4 row is not a plain speed-up"
grep -Eq 'e@1 .*not in the baseline' "$out/out.txt" || fail "e@1 should be reported as new"
echo "compare ok"
