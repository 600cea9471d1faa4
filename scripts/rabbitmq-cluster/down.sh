#!/bin/bash
# down.sh — stop the test cluster's nodes (nfvo-rmqN@localhost, found by their pid files under
# $NFVO_RMQ_CLUSTER_BASE), last node first: `rabbitmqctl stop`, then SIGKILL if that did not end it.
# The host's own RabbitMQ node is never addressed. Data is kept (the next up.sh restarts the same
# cluster); `down.sh --purge` also deletes $NFVO_RMQ_CLUSTER_BASE.
set -uo pipefail
RMQ_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$RMQ_HERE/lib/common.sh"
PURGE=no
for a in "$@"; do case "$a" in --purge) PURGE=yes ;; *) echo "usage: down.sh [--purge]" >&2; exit 2 ;; esac; done
stopped=""
for n in $(node_ids | tac); do
  alive "$n" || continue
  stop_node "$n"
  stopped="$stopped $(node_name "$n")"
done
say "stopped:${stopped:- nothing was running}"
if [ "$PURGE" = yes ] && [ -d "$RMQ_BASE" ]; then
  for n in $(node_ids); do alive "$n" && { say "$(node_name "$n") still runs; not purging"; exit 1; }; done
  rm -rf "$RMQ_BASE"
  say "purged $RMQ_BASE"
fi
