#!/bin/bash
# up.sh — bring up a RabbitMQ cluster of $NFVO_RMQ_CLUSTER_NODES (3) nodes on this host, beside its own
# node (which is never touched): nfvo-rmq1@localhost on 127.0.0.1:5681, nfvo-rmq2 on 5682, nfvo-rmq3 on
# 5683; nodes 2.. join node 1. State under $NFVO_RMQ_CLUSTER_BASE (/var/tmp/nfvo-rabbitmq-cluster).
# Idempotent: a running, healthy cluster is only checked (about a second). Prints the nodes' AMQP
# URLs on stdout, comma-separated (an AMQP_URL for nfvo); on failure, the failing node's log tail.
# Must run as root (Debian's wrappers then run the nodes as the rabbitmq user, with its Erlang cookie).
set -euo pipefail
RMQ_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$RMQ_HERE/lib/common.sh"
[ "$(id -u)" = 0 ] || { echo "up.sh must run as root" >&2; exit 1; }
command -v rabbitmq-server >/dev/null || { echo "up.sh: rabbitmq-server is not installed" >&2; exit 1; }
T0=$(now)
mkdir -p "$RMQ_BASE"
exec 9>"$RMQ_BASE/up.lock"
flock -w "$RMQ_TIMEOUT" 9 || { say "another up.sh holds $RMQ_BASE/up.lock"; exit 1; }

if cluster_healthy; then
  say "RabbitMQ cluster already up ($RMQ_NODES nodes, checked in $(since "$T0")s)"
  amqp_urls; exit 0
fi

# every stopped node at once: a node that was not the last of its cluster to stop waits for its peers
started=""
for n in $(node_ids); do
  alive "$n" && continue
  spawn_node "$n"
  started="$started $n"
done
for n in $(node_ids); do await_node "$n"; done
[ -n "$started" ] && say "started:$(for n in $started; do printf ' %s' "$(node_name "$n")"; done) in $(since "$T0")s"
for n in $(node_ids); do ensure_joined "$n"; done
for n in $(node_ids); do await_member "$n"; done
say "RabbitMQ cluster up: $(running_nodes 1 | tr '\n' ' ')($(since "$T0")s)"
amqp_urls
