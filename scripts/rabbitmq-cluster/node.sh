#!/bin/bash
# node.sh kill|stop|start N — one node of the test cluster, for failure tests:
#   kill N   SIGKILL node N's VM (its pid file's pid): a crash, nothing is flushed or handed over
#   stop N   stop node N cleanly (rabbitmqctl stop)
#   start N  start node N again and wait until it runs and its cluster lists it (it rejoins)
set -euo pipefail
RMQ_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$RMQ_HERE/lib/common.sh"
usage() { echo "usage: node.sh kill|stop|start N (1..$RMQ_NODES)" >&2; exit 2; }
[ $# = 2 ] || usage
n=$2
[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$RMQ_NODES" ] || usage
case "$1" in
  kill) kill_node "$n" ;;
  stop) stop_node "$n"; say "stopped $(node_name "$n")" ;;
  start)
    [ "$(id -u)" = 0 ] || { echo "node.sh start must run as root" >&2; exit 1; }
    T0=$(now)
    spawn_node "$n"
    await_node "$n"
    ensure_joined "$n"
    await_member "$n"
    say "$(node_name "$n") running in the cluster ($(since "$T0")s)"
    ;;
  *) usage ;;
esac
