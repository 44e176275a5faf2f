#!/usr/bin/env bash
# Crowdmesh: builds the libFuzzer harnesses of tests/fuzz with clang-14 under
# ASan+UBSan (CMake option CROWDMESH_FUZZ; only the target fuzz_targets) and
# runs each one for SECONDS on a fresh copy of its seed corpus
# (tests/fuzz/corpus/<name>/) with its dictionary (tests/fuzz/<name>.dict) if
# any. Fails, naming the harness and the file that reproduces it, on any
# crash, sanitizer report, leak, timeout or memory blow-up.
# Usage: deploy/run-fuzz.sh BUILD_DIR [SECONDS]   (default 30 s per harness)
# Env:   CROWDMESH_JOBS          build jobs (default 2)
#        CROWDMESH_FUZZ_TARGETS  harnesses to run (space-separated; default all)
#        CROWDMESH_FUZZ_ARGS     more libFuzzer flags, e.g. "-runs=10000000"
# Reproduce a failure: BUILD_DIR/tests/fuzz/<name> <crash file>.
# Corpora grown by a run stay in BUILD_DIR/fuzz-run/<name>/corpus.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:?usage: deploy/run-fuzz.sh BUILD_DIR [SECONDS]}"
seconds="${2:-30}"
case "$dir" in /*) ;; *) dir="$root/$dir" ;; esac
jobs="${CROWDMESH_JOBS:-2}"
harnesses=(${CROWDMESH_FUZZ_TARGETS:-envelope_fuzz audio_chunk_fuzz osc_fuzz mesh_config_fuzz bpm_config_fuzz decoder_fuzz file_source_fuzz})

export CC=clang-14 CXX=clang++-14
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCROWDMESH_FUZZ=ON -DCROWDMESH_BUILD_TESTS=OFF -DCROWDMESH_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" -j "$jobs" --target fuzz_targets

# Sanitizer reports are failures; a leak is one too (LeakSanitizer at exit of each input batch).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

failed=()
summary=()
for name in "${harnesses[@]}"; do
  bin="$dir/tests/fuzz/$name"
  seeds="$root/tests/fuzz/corpus/${name%_fuzz}"
  work="$dir/fuzz-run/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$seeds"/* "$work/corpus/"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  dict="$root/tests/fuzz/${name%_fuzz}.dict"
  [ -f "$dict" ] && args+=(-dict="$dict")
  # shellcheck disable=SC2206
  args+=(${CROWDMESH_FUZZ_ARGS:-})
  echo "== fuzz: $name for ${seconds} s (log: $work/log)"
  rc=0
  "$bin" "${args[@]}" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/log" | tail -n 1)"
  cov="$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/log" | tail -n 1 || true)"
  line="$name: ${execs:-?} execs, ${rate:-?} exec/s, ${cov:-cov ?}, peak RSS ${rss:-?} MB, corpus $(ls "$work/corpus" | wc -l) files"
  summary+=("$line")
  crashes="$(ls "$work/artifacts")"
  if [ "$rc" -ne 0 ] || [ -n "$crashes" ]; then
    grep -m 1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|==ERROR|ALARM|out-of-memory|^[a-z_]*_fuzz: ' \
      "$work/log" >&2 || true
    tail -n 40 "$work/log" >&2
    for f in $crashes; do
      echo "FUZZ FAILURE: $name: reproduce with $bin $work/artifacts/$f" >&2
    done
    [ -z "$crashes" ] && echo "FUZZ FAILURE: $name exited with $rc (see $work/log)" >&2
    failed+=("$name")
  fi
  echo "   $line"
done

echo "== fuzz summary (${seconds} s each)"
printf '   %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "== fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "== fuzz: every harness ran clean (0 crashes, 0 leaks, 0 timeouts)"
