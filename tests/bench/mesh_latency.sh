#!/usr/bin/env bash
# Mesh latency scenario: starts the three rooms of deploy/mesh.local.toml (virtual devices,
# loopback), waits until room-a sees every node alive, runs mesh_latency_bench against
# room-a → room-c (one forwarding hop) with the ZeroMQ echo baseline in the same run, then
# stops the nodes it started (by pid, on any exit). Builds nothing.
#
# Usage:
#   tests/bench/mesh_latency.sh [BENCH_OPTIONS...]     e.g. --count 10000 --warmup 200
# The last output line is the bench's JSON line ({"mesh":{...},"baseline":{...},"ratio":{...}}).
#
# Environment:
#   BUILD_DIR    build tree with audio_node, control_node and tests/bench/mesh_latency_bench
#                (default: build, relative to the repository)
#   MESH_CONFIG  mesh file (default: deploy/mesh.local.toml); the nodes must be room-a/b/c
#   LOG_DIR      where node logs go (default: a fresh temporary directory, kept and printed)
#   CURVE=1      run the mesh with security.mode = "curve": keys for the three nodes and the
#                bench are made with control_node keygen in LOG_DIR, and a copy of the mesh
#                file with their public keys is used (docs/SECURITY.md)
# Build first:  ninja -C build audio_node control_node mesh_latency_bench
# Exit status: the bench's (0 every request answered, 1 some failed), or 1 if the mesh did
# not come up within 10 s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
config="${MESH_CONFIG:-$root/deploy/mesh.local.toml}"
nodes=(room-a room-b room-c)
connect="tcp://127.0.0.1:7700"
audio_node="$build/audio_node/audio_node"
control_node="$build/control_node/control_node"
bench="$build/tests/bench/mesh_latency_bench"

for bin in "$audio_node" "$control_node" "$bench"; do
  if [[ ! -x "$bin" ]]; then
    echo "mesh_latency: $bin not found; build it first (ninja -C $build audio_node control_node mesh_latency_bench)" >&2
    exit 1
  fi
done
[[ -f "$config" ]] || { echo "mesh_latency: mesh config $config not found" >&2; exit 1; }
log_dir="${LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mesh_latency.XXXXXX")}"
mkdir -p "$log_dir"

bench_auth=()
control_auth=()
if [[ "${CURVE:-0}" == 1 ]]; then
  curve_config="$log_dir/mesh.curve.toml"
  cp "$config" "$curve_config"
  for node in "${nodes[@]}"; do
    key="$("$control_node" keygen --name "$node" --out "$log_dir/keys/$node.key" | sed -n 's/^public key: //p')"
    esc="${key//&/\\&}"  # '&' is a Z85 character and means "the match" to sed
    sed -i "s|^\[nodes\.$node\]\$|[nodes.$node]\npublic_key = \"$esc\"\nsecret_key_file = \"$log_dir/keys/$node.key\"|" "$curve_config"
    if [[ "$node" == room-a ]]; then server_key="$key"; fi
  done
  op_key="$("$control_node" keygen --name bench --out "$log_dir/bench.key" | sed -n 's/^public key: //p')"
  printf '\n[security]\nmode = "curve"\n\n[operators.bench]\npublic_key = "%s"\n' "$op_key" >>"$curve_config"
  config="$curve_config"
  bench_auth=(--key "$log_dir/bench.key" --server-key "$server_key")
  control_auth=(--config "$config" --key "$log_dir/bench.key")
  echo "mesh_latency: curve mesh ($config)"
fi

pids=()
# shellcheck disable=SC2317  # invoked by the EXIT trap
stop_nodes() {
  local pid waited
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((waited = 0; waited < 100; ++waited)); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "mesh_latency: node pid $pid ignored SIGTERM for 10 s; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
}
trap stop_nodes EXIT
trap 'exit 130' INT TERM

for node in "${nodes[@]}"; do
  "$audio_node" --config "$config" --name "$node" --backend virtual --log-level warn \
    >"$log_dir/$node.log" 2>&1 </dev/null &
  pids+=("$!")
done
echo "mesh_latency: started ${nodes[*]} (pids ${pids[*]}, logs $log_dir)"

# Up to 10 s for room-a to report every node alive (heartbeats every 1 s).
deadline=$((SECONDS + 10))
alive=0
while ((SECONDS < deadline)); do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "mesh_latency: ${nodes[$i]} exited at start (port in use? a cluster already running?); last log lines:" >&2
      tail -n 15 "$log_dir/${nodes[$i]}.log" >&2 || true
      exit 1
    fi
  done
  listing="$("$control_node" "${control_auth[@]}" --connect "$connect" --timeout 500 --json nodes 2>/dev/null || true)"
  alive="$(grep -o '"alive":true' <<<"$listing" | wc -l)"
  ((alive >= ${#nodes[@]})) && break
  sleep 0.2
done
if ((alive < ${#nodes[@]})); then
  echo "mesh_latency: only $alive of ${#nodes[@]} nodes alive after 10 s; room-a says:" >&2
  "$control_node" "${control_auth[@]}" --connect "$connect" --timeout 500 nodes >&2 || true
  exit 1
fi
echo "mesh_latency: ${nodes[*]} alive"

status=0
"$bench" --connect "$connect" --to room-c "${bench_auth[@]}" "$@" || status=$?
exit "$status"
