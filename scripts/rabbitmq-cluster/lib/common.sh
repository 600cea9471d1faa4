# common.sh — shared variables and helpers for up.sh / down.sh / status.sh / node.sh
# Sourced, never executed. A test cluster of RMQ_NODES RabbitMQ nodes beside the host's own node
# (rabbit@localhost, 5672/25672/15672, never touched): node N is nfvo-rmqN@localhost, AMQP on
# 127.0.0.1:$((RMQ_PORT_BASE + N)), distribution on $((RMQ_DIST_BASE + N)); everything it keeps
# (config, mnesia, logs, pid file) is under $RMQ_BASE/nfvo-rmqN.
# Env: NFVO_RMQ_CLUSTER_BASE (default /var/tmp/nfvo-rabbitmq-cluster), NFVO_RMQ_CLUSTER_NODES (3),
#      NFVO_RMQ_CLUSTER_PORT_BASE (5680), NFVO_RMQ_CLUSTER_DIST_BASE (25680),
#      NFVO_RMQ_CLUSTER_TIMEOUT (s, per node start, default 90).

RMQ_BASE=${NFVO_RMQ_CLUSTER_BASE:-/var/tmp/nfvo-rabbitmq-cluster}
RMQ_NODES=${NFVO_RMQ_CLUSTER_NODES:-3}
RMQ_PORT_BASE=${NFVO_RMQ_CLUSTER_PORT_BASE:-5680}
RMQ_DIST_BASE=${NFVO_RMQ_CLUSTER_DIST_BASE:-25680}
RMQ_TIMEOUT=${NFVO_RMQ_CLUSTER_TIMEOUT:-90}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now()  { date +%s.%N; }
since(){ awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

node_ids()  { seq 1 "$RMQ_NODES"; }
node_name() { echo "nfvo-rmq$1@localhost"; }
node_short(){ echo "nfvo-rmq$1"; }
node_dir()  { echo "$RMQ_BASE/nfvo-rmq$1"; }
amqp_port() { echo $((RMQ_PORT_BASE + $1)); }
dist_port() { echo $((RMQ_DIST_BASE + $1)); }
pid_file()  { echo "$(node_dir "$1")/nfvo-rmq$1.pid"; }
node_log()  { echo "$(node_dir "$1")/log/$(node_name "$1").log"; }
start_log() { echo "$(node_dir "$1")/log/startup.log"; }
amqp_url()  { echo "amqp://guest:guest@127.0.0.1:$(amqp_port "$1")"; }
amqp_urls() { local n out=""; for n in $(node_ids); do out="$out${out:+,}$(amqp_url "$n")"; done; echo "$out"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# the beam pid of node N, when its pid file names a live VM of that node (its environment says so:
# this guards against pid reuse, and never matches the host's own node)
beam_pid() {
  local f pid; f=$(pid_file "$1")
  [ -s "$f" ] || return 1
  pid=$(tr -dc 0-9 <"$f")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "RABBITMQ_NODENAME=$(node_name "$1")" || return 1
  echo "$pid"
}
alive() { beam_pid "$1" >/dev/null; }

# the environment a node (and only that node) runs with, into the array NODE_ENV
node_env() {
  local d; d=$(node_dir "$1")
  NODE_ENV=(
    "RABBITMQ_NODENAME=$(node_name "$1")"
    "RABBITMQ_NODE_PORT=$(amqp_port "$1")"
    "RABBITMQ_DIST_PORT=$(dist_port "$1")"
    "RABBITMQ_CONFIG_FILE=$d/rabbitmq.conf"
    "RABBITMQ_ADVANCED_CONFIG_FILE=$d/advanced.config"
    "RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins"
    "RABBITMQ_MNESIA_BASE=$d/mnesia"
    "RABBITMQ_LOG_BASE=$d/log"
    "RABBITMQ_PID_FILE=$(pid_file "$1")"
  )
}

ctl() {  # N args... : rabbitmqctl against node N
  local n=$1; shift
  rabbitmqctl -q -n "$(node_name "$n")" "$@"
}

# the running members of the cluster as node N sees it, one a line (nothing if N does not answer)
running_nodes() {
  ctl "$1" cluster_status --formatter json 2>/dev/null \
    | /usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin).get("running_nodes", [])))' 2>/dev/null
}
disk_nodes() {
  ctl "$1" cluster_status --formatter json 2>/dev/null \
    | /usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin).get("disk_nodes", [])))' 2>/dev/null
}

# every node alive, answering on its AMQP port, and running in one cluster
cluster_healthy() {
  local n running
  for n in $(node_ids); do alive "$n" && port_open "$(amqp_port "$n")" || return 1; done
  running=$(running_nodes 1) || return 1
  for n in $(node_ids); do grep -qx "$(node_name "$n")" <<<"$running" || return 1; done
}

write_node_files() {  # N : directories (owned by rabbitmq, as the Debian wrappers run as that user) and config
  local d; d=$(node_dir "$1")
  mkdir -p "$d/mnesia" "$d/log"
  cat >"$d/rabbitmq.conf" <<EOF
# written by scripts/rabbitmq-cluster: test node $(node_name "$1")
listeners.tcp.local = 127.0.0.1:$(amqp_port "$1")
# guest may connect from loopback only (RabbitMQ's default, said here on purpose)
loopback_users.guest = true
cluster_partition_handling = pause_minority
log.file.level = info
log.console = false
EOF
  echo '[].' >"$d/enabled_plugins"
  echo '[].' >"$d/advanced.config"
  chown -R rabbitmq:rabbitmq "$d"
}

fail_node() {  # N message : say why, with the tail of the node's logs
  local n=$1 f; shift
  say "FAILED: $(node_name "$n"): $*"
  for f in "$(start_log "$n")" "$(node_log "$n")"; do
    [ -s "$f" ] || continue
    echo "---- last 30 lines of $f ----" >&2
    tail -n 30 "$f" >&2
    echo "---- end of $(basename "$f") ----" >&2
  done
  exit 1
}

# start node N's VM in the background, in a session of its own (its output in startup.log)
spawn_node() {
  local n=$1 p
  alive "$n" && return 0
  for p in "$(amqp_port "$n")" "$(dist_port "$n")"; do
    port_open "$p" && fail_node "$n" "port $p is taken by another process (set NFVO_RMQ_CLUSTER_PORT_BASE / _DIST_BASE)"
  done
  write_node_files "$n"
  rm -f "$(pid_file "$n")"
  echo "===== start $(date -Is) =====" >>"$(start_log "$n")"
  node_env "$n"
  ( exec env "${NODE_ENV[@]}" setsid rabbitmq-server >>"$(start_log "$n")" 2>&1 </dev/null 9>&- ) &
}

# wait until node N's RabbitMQ application runs; fail fast if its VM exits or never comes up
await_node() {
  local n=$1 t0; t0=$(date +%s)
  local seen=no
  while :; do
    if alive "$n"; then
      seen=yes
      ctl "$n" await_startup --timeout 5 >/dev/null 2>&1 && return 0
    elif [ "$seen" = yes ]; then
      fail_node "$n" "the node's VM exited during start-up"
    elif [ $(( $(date +%s) - t0 )) -ge 30 ]; then
      fail_node "$n" "no VM wrote $(pid_file "$n") within 30s"
    else
      sleep 0.5
    fi
    [ $(( $(date +%s) - t0 )) -lt "$RMQ_TIMEOUT" ] || fail_node "$n" "not started after ${RMQ_TIMEOUT}s"
  done
}

# the cluster's members as some running node other than N knows them (retried: a node that has just
# started may not answer yet); nothing if none answers
members_seen_by_others() {
  local n=$1 m out
  for _ in 1 2 3 4 5; do
    for m in $(node_ids); do
      [ "$m" = "$n" ] && continue
      alive "$m" || continue
      out=$(disk_nodes "$m") && [ -n "$out" ] && { echo "$out"; return 0; }
    done
    sleep 1
  done
  return 1
}

# make node N (N > 1) a member of node 1's cluster, if the cluster does not list it already (a member
# is never reset: its replicas of the quorum queues live in its data)
ensure_joined() {
  local n=$1 first members; first=$(node_name 1)
  [ "$n" = 1 ] && return 0
  members=$(members_seen_by_others "$n") || fail_node "$n" "no other node answers: cannot tell whether it is a member"
  grep -qx "$(node_name "$n")" <<<"$members" && return 0
  say "$(node_name "$n") joins $first"
  local out; out=$(start_log "$n")  # rabbitmqctl's own warnings while joining go there too
  echo "===== join $first $(date -Is) =====" >>"$out"
  ctl "$n" stop_app >>"$out" 2>&1 || fail_node "$n" "stop_app failed"
  ctl "$n" reset >>"$out" 2>&1 || fail_node "$n" "reset failed"
  ctl "$n" join_cluster "$first" >>"$out" 2>&1 || fail_node "$n" "join_cluster $first failed"
  ctl "$n" start_app >>"$out" 2>&1 || fail_node "$n" "start_app failed"
  await_node "$n"
}

# wait until node 1 (or, when N is 1, node 2) lists node N as running
await_member() {
  local n=$1 other=1 deadline=$(( $(date +%s) + RMQ_TIMEOUT ))
  [ "$n" = 1 ] && other=2
  [ "$RMQ_NODES" -ge 2 ] || return 0
  until running_nodes "$other" | grep -qx "$(node_name "$n")"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail_node "$n" "not running in the cluster after ${RMQ_TIMEOUT}s"
    sleep 0.5
  done
}

# stop node N: rabbitmqctl stop (which waits for the VM to exit), else SIGKILL of its pid
stop_node() {
  local n=$1 pid
  pid=$(beam_pid "$n") || { rm -f "$(pid_file "$n")"; return 0; }
  timeout 60 rabbitmqctl -q -n "$(node_name "$n")" stop "$(pid_file "$n")" >/dev/null 2>&1 || true
  if kill -0 "$pid" 2>/dev/null; then
    say "killing $(node_name "$n") (pid $pid): it did not stop"
    kill -KILL "$pid" 2>/dev/null
  fi
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  rm -f "$(pid_file "$n")"
}

# SIGKILL node N's VM: what a crash of its machine looks like to the others
kill_node() {
  local n=$1 pid
  pid=$(beam_pid "$n") || { say "$(node_name "$n") is not running"; return 0; }
  kill -KILL "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  say "killed $(node_name "$n") (pid $pid)"
}
