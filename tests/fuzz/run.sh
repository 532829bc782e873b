#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build (the "fuzz" preset) for a fixed time each, each
# over a copy of its seed corpus (tests/fuzz/corpus/<target>/) in a temporary directory, so
# nothing is written into the repository. Builds nothing. Fails if any target fails; a
# crash's reproducer is kept under the temporary directory, whose path is printed.
#
#   bash tests/fuzz/run.sh [BUILD_DIR [SECONDS]]     default: build/fuzz 20
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-build/fuzz}" && pwd)" || { echo "run.sh: no build directory ${1:-build/fuzz}" >&2; exit 1; }
seconds="${2:-20}"
targets=(fuzz_parameters fuzz_expressions fuzz_pipeline)

work="$(mktemp -d "${TMPDIR:-/tmp}/wfnode-fuzz.XXXXXX")"
export TMPDIR="$work"  # anything a target makes for itself goes here too
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# The targets run side by side (each is one process; 20 s each then takes 20 s, not 60), and
# report in turn once all are done.
run_target() {
  local t=$1 bin="$build/tests/fuzz/$1"
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp "$here/corpus/$t/"* "$work/$t/corpus/"
  (cd "$work/$t" && "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/$t/artifacts/" corpus > log 2>&1)
}
failed=()
pids=()
for t in "${targets[@]}"; do
  if [ ! -x "$build/tests/fuzz/$t" ]; then
    echo "run.sh: $build/tests/fuzz/$t is missing (build the fuzz preset first)" >&2
    failed+=("$t (missing)")
    pids+=("")
    continue
  fi
  run_target "$t" &
  pids+=("$!")
done
for i in "${!targets[@]}"; do
  t=${targets[$i]}
  [ -n "${pids[$i]}" ] || continue
  echo "=== $t: ${seconds}s"
  if wait "${pids[$i]}"; then
    grep -E '^#[0-9]+ +DONE|^stat::number_of_executed_units|^stat::average_exec_per_sec' "$work/$t/log" || true
  else
    tail -n 60 "$work/$t/log"
    echo "run.sh: $t FAILED; reproducer(s): $(ls -d "$work/$t/artifacts/"* 2>/dev/null | tr '\n' ' ')" >&2
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run.sh: failed: ${failed[*]} (logs and reproducers kept in $work)" >&2
  exit 1
fi
rm -rf "$work"
echo "run.sh: all ${#targets[@]} targets ran ${seconds}s each without a failure"
