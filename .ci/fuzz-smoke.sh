#!/usr/bin/env bash
# The fuzz smoke of CI: builds the fuzz crate (fuzz/, nightly + libFuzzer) and runs every target
# on its committed corpus plus a fixed number of mutations from a fixed seed, so a parser that
# starts to panic, hang or break one of its properties on known inputs fails CI — and the same
# commit gives the same verdict on every run, however fast the machine (a time budget would
# make CI's result depend on timing). Long runs are by hand: docs/fuzzing.md.
#
#   bash .ci/fuzz-smoke.sh          # every target, FUZZ_RUNS (default 2000) executions each
#   FUZZ_RUNS=200000 FUZZ_SEED=7 bash .ci/fuzz-smoke.sh scan_mysql
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
RUNS=${FUZZ_RUNS:-2000}
SEED=${FUZZ_SEED:-1}

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# No sanitizer: the code under test is safe Rust, where a sanitizer finds nothing a panic does
# not, and it would double the build (the smoke's main cost) and slow every execution.
cargo +nightly fuzz build -s none

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    # A scratch copy: the smoke must not grow the committed corpus.
    scratch=$(mktemp -d)
    echo "fuzz-smoke: $t ($RUNS runs, seed $SEED)"
    if ! cargo +nightly fuzz run -s none "$t" "$scratch" "corpus/$t" -- \
        -runs="$RUNS" -seed="$SEED" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 >"$scratch.log" 2>&1; then
        tail -n 60 "$scratch.log"
        rm -rf "$scratch" "$scratch.log"
        echo "fuzz-smoke: $t FAILED; the input is under fuzz/artifacts/$t/" >&2
        exit 1
    fi
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$scratch.log" | tail -n 2 || true
    rm -rf "$scratch" "$scratch.log"
done
echo "fuzz-smoke: ${#targets[@]} targets passed"
