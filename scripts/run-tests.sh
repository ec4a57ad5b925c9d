#!/usr/bin/env bash
# Runs the test suites (unit, fuzz, api, pg, scale, e2e; SUITES picks some) against the ASan/UBSan
# build and prints each suite's summary, then one final "N passed, N failed" line. Exit 1 if
# anything failed. `fuzz` runs each libFuzzer harness of build/fuzz briefly (docs/fuzzing.md);
# `pg` is the API suite again, on a throwaway PostgreSQL cluster (scripts/pg-cluster.sh);
# `scale` is tests/scale: two servers on one such cluster behind nginx.
set -uo pipefail
cd "$(dirname "$0")/.."
SUITES=${SUITES:-"unit fuzz api pg scale e2e"}
export SMIP_BIN=${SMIP_BIN:-$PWD/build/asan/smip}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Memory lost inside cairo and fontconfig themselves (tests/lsan.supp says why); never our own.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
total_pass=0
total_fail=0
logdir=build/test-logs
mkdir -p "$logdir"

add() { total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2)); }

run_unit() {
    local p=0 f=0
    for t in build/asan/unit/test_*; do
        [[ -x $t ]] || continue
        local name out rc tp tf
        name=$(basename "$t")
        out=$("$t" 2>&1); rc=$?
        printf '%s\n' "$out" > "$logdir/$name.log"
        tp=$(grep -oE '\[  PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' | awk '{s+=$1} END{print s+0}')
        tf=$(grep -oE '\[  FAILED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' | awk '{s+=$1} END{print s+0}')
        tp=${tp:-0}; tf=${tf:-0}
        if [[ $rc -ne 0 && $tf -eq 0 ]]; then tf=1; fi
        if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' <<<"$out"; then
            tf=$((tf + 1)); echo "$name: sanitizer report (see $logdir/$name.log)"
        fi
        if [[ $tf -ne 0 ]]; then printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Sanitizer' | head -20; fi
        p=$((p + tp)); f=$((f + tf))
    done
    echo "unit: $p passed, $f failed"
    add $p $f
}

# run_fuzz: each harness of build/fuzz (`make fuzz`) replays its regression inputs
# (tests/fuzz/regress/NAME: crashes found once), then fuzzes for FUZZ_TIME seconds (default 10)
# from its seed corpus (tests/fuzz/corpus/NAME; new inputs go to a scratch folder, never into
# the repository). One pass per harness that ran clean; a crash, leak, sanitizer report or
# failed check fails it, and its input is kept in build/fuzz/crashes/.
run_fuzz() {
    local p=0 f=0 secs=${FUZZ_TIME:-10} work bin
    work=$(mktemp -d /tmp/smip-fuzz-XXXXXX)
    mkdir -p build/fuzz/crashes
    for bin in build/fuzz/fuzz_*; do
        [[ -f $bin && -x $bin ]] || continue
        local name=${bin##*/} log="$logdir/${bin##*/}.log" rc=0 opts=() regress=() where
        where="input in build/fuzz/crashes/"
        [[ -f tests/fuzz/$name.options ]] && read -ra opts <"tests/fuzz/$name.options"
        mkdir -p "$work/$name"
        : >"$log"
        if [[ -d tests/fuzz/regress/$name ]]; then
            mapfile -t regress < <(find "tests/fuzz/regress/$name" -type f | sort)
        fi
        if ((${#regress[@]})); then
            "$bin" "${opts[@]}" "${regress[@]}" >>"$log" 2>&1 || rc=1
            [[ $rc -eq 0 ]] || where="a regression input of tests/fuzz/regress/$name"
        fi
        if [[ $rc -eq 0 ]]; then
            "$bin" "${opts[@]}" -max_total_time="$secs" -timeout=20 \
                -artifact_prefix="build/fuzz/crashes/$name-" "$work/$name" \
                "tests/fuzz/corpus/$name" >>"$log" 2>&1 || rc=1
        fi
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz check failed' "$log"; then rc=1; fi
        if [[ $rc -eq 0 ]]; then
            p=$((p + 1))
        else
            f=$((f + 1))
            echo "$name: failed (see $log; $where)"
            grep -aE 'fuzz check failed|ERROR:|SUMMARY:|runtime error:|Test unit written' "$log" | head -6
        fi
    done
    rm -rf "$work"
    if [[ $p -eq 0 && $f -eq 0 ]]; then echo "fuzz: no harness in build/fuzz (make fuzz)"; f=1; fi
    echo "fuzz: $p passed, $f failed"
    add $p $f
}

# run_api [NAME [DIR]]: a pytest suite (default tests/api); NAME (default api) names its log and
# summary line.
run_api() {
    local name=${1:-api} tests=${2:-tests/api} out p f
    out=$(/usr/bin/python3 -m pytest "$tests" -q -p no:cacheprovider -x --maxfail=1000 2>&1 | tee "$logdir/$name.log" | tail -60)
    p=$(grep -oE '[0-9]+ passed' <<<"$out" | tail -1 | grep -oE '[0-9]+'); p=${p:-0}
    f=$(grep -oE '[0-9]+ (failed|error|errors)' <<<"$out" | grep -oE '[0-9]+' | awk '{s+=$1} END{print s+0}'); f=${f:-0}
    if [[ $p -eq 0 && $f -eq 0 ]]; then f=1; fi
    if [[ $f -ne 0 ]]; then grep -E '^(FAILED|ERROR)' "$logdir/$name.log" | head -40; fi
    echo "$name: $p passed, $f failed"
    add $p $f
}

# run_pg NAME DIR: the pytest suite DIR against PostgreSQL: a cluster of its own, removed
# afterwards whatever happens.
run_pg() {
    local name=$1 tests=$2 dir base
    dir=$(mktemp -d /tmp/smip-pg-XXXXXX)
    if ! base=$(bash scripts/pg-cluster.sh start "$dir" 2>"$logdir/$name-cluster.log"); then
        tail -20 "$logdir/$name-cluster.log"
        bash scripts/pg-cluster.sh stop "$dir"
        echo "$name: 0 passed, 1 failed"
        add 0 1
        return
    fi
    trap 'bash scripts/pg-cluster.sh stop "'"$dir"'"' EXIT
    SMIP_TEST_PG=$base SMIP_TEST_PG_DIR=$dir run_api "$name" "$tests"
    bash scripts/pg-cluster.sh stop "$dir"
    trap - EXIT
}

run_e2e() {
    local out p f
    # npm ci again whenever package-lock.json changed since the last install
    if [[ ! node_modules/.package-lock.json -nt package-lock.json ]]; then npm ci --no-audit --no-fund --loglevel=error >/dev/null; fi
    out=$(node tests/e2e/run.mjs 2>&1 | tee "$logdir/e2e.log" | tail -30)
    printf '%s\n' "$out" | grep -vE '^e2e: [0-9]+ passed' | tail -15
    local line
    line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
    p=$(sed -E 's/^e2e: ([0-9]+) passed.*/\1/' <<<"$line"); p=${p:-0}
    f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line"); f=${f:-1}
    echo "e2e: $p passed, $f failed"
    add $p $f
}

for s in $SUITES; do
    case $s in
        unit) run_unit ;;
        fuzz) run_fuzz ;;
        api) [[ -d tests/api ]] && run_api ;;
        pg) [[ -d tests/api ]] && run_pg pg tests/api ;;
        scale) [[ -d tests/scale ]] && run_pg scale tests/scale ;;
        e2e) [[ -f tests/e2e/run.mjs ]] && run_e2e ;;
    esac
done
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
