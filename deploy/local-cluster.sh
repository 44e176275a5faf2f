#!/usr/bin/env bash
# Crowdmesh local cluster: runs the three rooms of deploy/mesh.local.toml (room-a, room-b,
# room-c on 127.0.0.1, virtual devices) as background audio_node processes on this machine.
#
# Usage:
#   deploy/local-cluster.sh [start]   start every node that is not running yet
#   deploy/local-cluster.sh stop      stop the nodes started by this script (SIGTERM, then SIGKILL
#                                     after 10 s), by the pids in build/cluster/*.pid
#   deploy/local-cluster.sh status    show which nodes run
#
# Each node runs as
#   build/audio_node/audio_node --config deploy/mesh.local.toml --name room-X --backend virtual $CLUSTER_OPTS
# --config FILE (the mesh TOML, see deploy/mesh.example.toml) and --name NODE (this process's
# [nodes.NODE] entry) are the audio_node options that select a node of a mesh; --backend
# virtual keeps the rooms off the sound card.
# Logs: build/cluster/room-X.log (appended); pids: build/cluster/room-X.pid.
# Build first:  CROWDMESH_TARGETS=audio_node deploy/build.sh
#
# Environment:
#   CROWDMESH_BUILD  build tree (default: build, relative to the repository)
#   MESH_CONFIG      mesh file (default: deploy/mesh.local.toml)
#   CLUSTER_NODES    nodes to run (default: "room-a room-b room-c")
#   CLUSTER_OPTS     extra audio_node options for every node (e.g. "--log-level debug")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CROWDMESH_BUILD:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
config="${MESH_CONFIG:-$root/deploy/mesh.local.toml}"
nodes="${CLUSTER_NODES:-room-a room-b room-c}"
bin="$build/audio_node/audio_node"
dir="$build/cluster"

# Prints the pid of a running node started by this script, or nothing.
running_pid() {
  local pidfile="$dir/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  # Only a live audio_node counts: a stale pid may have been reused by another program.
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "audio_node.*--name $1"; then
    echo "$pid"
  fi
}

start() {
  if [[ ! -x "$bin" ]]; then
    echo "local-cluster: $bin not found; build it first: CROWDMESH_TARGETS=audio_node deploy/build.sh" >&2
    exit 1
  fi
  [[ -f "$config" ]] || { echo "local-cluster: mesh config $config not found" >&2; exit 1; }
  mkdir -p "$dir"
  local node pid failed=0
  for node in $nodes; do
    pid="$(running_pid "$node")"
    if [[ -n "$pid" ]]; then
      echo "local-cluster: $node already running (pid $pid)"
      continue
    fi
    echo "=== $(date -Is) starting $node" >>"$dir/$node.log"
    # shellcheck disable=SC2086
    nohup "$bin" --config "$config" --name "$node" --backend virtual ${CLUSTER_OPTS:-} \
      >>"$dir/$node.log" 2>&1 </dev/null &
    echo $! >"$dir/$node.pid"
    echo "local-cluster: started $node (pid $!, log $dir/$node.log)"
  done
  # A node with a bad config or a port in use exits at once: report it instead of leaving a stale pid.
  sleep 1
  for node in $nodes; do
    if [[ -z "$(running_pid "$node")" ]]; then
      echo "local-cluster: $node is not running; last lines of $dir/$node.log:" >&2
      tail -n 15 "$dir/$node.log" >&2 || true
      rm -f "$dir/$node.pid"
      failed=1
    fi
  done
  return "$failed"
}

stop() {
  local node pid waited
  for node in $nodes; do
    pid="$(running_pid "$node")"
    if [[ -z "$pid" ]]; then
      echo "local-cluster: $node not running"
      rm -f "$dir/$node.pid"
      continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < 100)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "local-cluster: $node (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$node.pid"
    echo "local-cluster: stopped $node (pid $pid)"
  done
}

status() {
  local node pid
  for node in $nodes; do
    pid="$(running_pid "$node")"
    if [[ -n "$pid" ]]; then echo "$node running (pid $pid, log $dir/$node.log)"; else echo "$node stopped"; fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
