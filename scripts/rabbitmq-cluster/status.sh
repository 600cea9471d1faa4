#!/bin/bash
# status.sh — per node: pid, state, RSS, AMQP port, and whether node 1 sees it running in its cluster.
# Exit 0 only when every node runs and the cluster has them all.
set -uo pipefail
RMQ_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$RMQ_HERE/lib/common.sh"
rc=0
running=$(running_nodes 1 || true)
[ -n "$running" ] || running=$(running_nodes 2 || true)
printf '%-22s %-8s %-8s %8s  %-6s %s\n' NODE PID STATE RSS_MiB AMQP CLUSTER
for n in $(node_ids); do
  if pid=$(beam_pid "$n"); then
    state=running; kb=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')
  else pid=-; state=DOWN; kb=0; rc=1; fi
  port=$(amqp_port "$n"); amqp=closed
  port_open "$port" && amqp=$port || rc=1
  member=no; grep -qx "$(node_name "$n")" <<<"$running" && member=running || rc=1
  printf '%-22s %-8s %-8s %8.1f  %-6s %s\n' "$(node_name "$n")" "$pid" "$state" \
    "$(awk -v k="${kb:-0}" 'BEGIN{print k/1024}')" "$amqp" "$member"
done
echo "AMQP_URL=$(amqp_urls)"
exit $rc
