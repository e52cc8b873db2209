#!/usr/bin/env bash
# The local stack for tests and developers, without Docker: Apache Kafka (KRaft, one combined
# broker+controller) and an OpenSearch node, both from Maven Central, on loopback, with Java 17.
#
#   deploy/local/stack.sh start [kafka|opensearch|all]   fetch (cached), configure, start, wait until healthy
#   deploy/local/stack.sh stop  [kafka|opensearch|all]   stop and wait
#   deploy/local/stack.sh kill kafka                     SIGKILL the broker (a crash; its data stays)
#   deploy/local/stack.sh resume kafka                   start the broker again on its existing data
#   deploy/local/stack.sh status                         what is running
#   deploy/local/stack.sh env                            export lines for VIGIL_KAFKA_BROKERS / VIGIL_OPENSEARCH_URL
#
# Downloads are cached in $VIGIL_CACHE_DIR (default ~/.cache/vigil) and checked against the
# pinned checksums below; runtime state lives in $VIGIL_STACK_DIR (default /tmp/vigil-stack-$UID)
# and is wiped at each start. Ports: VIGIL_STACK_KAFKA_PORT (19092), VIGIL_STACK_OPENSEARCH_PORT (19200).
set -euo pipefail

KAFKA_VERSION=3.9.2
OPENSEARCH_VERSION=2.19.6
# sha256 of the OpenSearch integ-test zip, and of the sorted list of "sha256  jar" lines of Kafka's runtime.
OPENSEARCH_ZIP_SHA256=${OPENSEARCH_ZIP_SHA256:-71d6d8b1c637f3faecda0752b184b1cc526fc6eaad59ec1408c6327bb00b9293}
KAFKA_LIBS_SHA256=${KAFKA_LIBS_SHA256:-a306d3d7b3e6971ae0595a1d6465f6f1345606875af557c0575dff2fdb7e93e1}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VIGIL_CACHE_DIR:-$HOME/.cache/vigil}
STACK=${VIGIL_STACK_DIR:-/tmp/vigil-stack-$(id -u)}
KAFKA_PORT=${VIGIL_STACK_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
OPENSEARCH_PORT=${VIGIL_STACK_OPENSEARCH_PORT:-19200}
OPENSEARCH_TRANSPORT_PORT=$((OPENSEARCH_PORT + 100))
# OpenSearch refuses to run as root; as root we run it as this unprivileged user.
OPENSEARCH_USER=${VIGIL_STACK_OPENSEARCH_USER:-vigil-stack}

log() { printf 'stack: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

sha256_of_dir() { (cd "$1" && sha256sum -- *.jar | sort -k2) | sha256sum | cut -d' ' -f1; }

fetch_kafka() {
  local libs="$CACHE/kafka-$KAFKA_VERSION/libs"
  if [ ! -f "$libs/.complete" ]; then
    log "fetching Kafka $KAFKA_VERSION and its dependencies from Maven Central"
    rm -rf "$libs" && mkdir -p "$libs"
    mvn -q -B -f "$HERE/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dmaven.repo.local="$CACHE/m2" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >&2 || die "could not fetch Kafka"
    touch "$libs/.complete"
  fi
  local actual; actual=$(sha256_of_dir "$libs")
  if [ "$KAFKA_LIBS_SHA256" != "$actual" ]; then
    die "Kafka jars do not match the pinned checksum (expected $KAFKA_LIBS_SHA256, got $actual); remove $libs to refetch"
  fi
  echo "$libs"
}

fetch_opensearch() {
  local zip="$CACHE/opensearch-$OPENSEARCH_VERSION.zip"
  if [ ! -f "$zip" ]; then
    log "fetching OpenSearch $OPENSEARCH_VERSION (integ-test zip) from Maven Central"
    mvn -q -B dependency:copy -Dmaven.repo.local="$CACHE/m2" \
      -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip" \
      -DoutputDirectory="$CACHE" >&2 || die "could not fetch OpenSearch"
  fi
  local actual; actual=$(sha256sum "$zip" | cut -d' ' -f1)
  [ "$OPENSEARCH_ZIP_SHA256" = "$actual" ] || die "OpenSearch zip does not match the pinned checksum (expected $OPENSEARCH_ZIP_SHA256, got $actual); remove $zip to refetch"
  echo "$zip"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_until() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 1
  done
  log "$what is ready"
}

start_kafka() {
  local keep=${1:-}
  local libs; libs=$(fetch_kafka)
  local dir="$STACK/kafka"
  if pid_alive "$dir/pid"; then log "Kafka already running (pid $(cat "$dir/pid"))"; return 0; fi
  if [ "$keep" = keep ] && [ -f "$dir/server.properties" ]; then
    log "resuming Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT with its existing data"
    launch_kafka "$libs" "$dir"
    return 0
  fi
  rm -rf "$dir" && mkdir -p "$dir/data" "$dir/logs"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
PROPS
  local cluster_id; cluster_id=$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  java -cp "$libs/*" -Dlog4j.configuration="file:$HERE/log4j.properties" -Dkafka.logs.dir="$dir/logs" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/logs/format.log" 2>&1 || die "kafka storage format failed: $(cat "$dir/logs/format.log")"
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  launch_kafka "$libs" "$dir"
}

launch_kafka() {
  local libs=$1 dir=$2
  : > "$dir/logs/server.log"
  nohup java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HERE/log4j.properties" -Dkafka.logs.dir="$dir/logs" \
    -cp "$libs/*" kafka.Kafka "$dir/server.properties" >"$dir/logs/stdout.log" 2>&1 &
  echo $! > "$dir/pid"
  wait_until "Kafka" 180 kafka_port_open || { tail -n 50 "$dir/logs/"*.log >&2; die "Kafka did not start"; }
}

kafka_port_open() {
  pid_alive "$STACK/kafka/pid" && grep -q "BrokerServer id=1] Transition from STARTING to STARTED" "$STACK/kafka/logs/server.log" 2>/dev/null
}

ensure_opensearch_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$OPENSEARCH_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$OPENSEARCH_USER"
}

start_opensearch() {
  local zip; zip=$(fetch_opensearch)
  local dir="$STACK/opensearch"
  if pid_alive "$dir/pid"; then log "OpenSearch already running (pid $(cat "$dir/pid"))"; return 0; fi
  rm -rf "$dir" && mkdir -p "$dir"
  unzip -q "$zip" -d "$dir" && mv "$dir/opensearch-$OPENSEARCH_VERSION" "$dir/home"
  mkdir -p "$dir/data" "$dir/logs"
  local run=(); ensure_opensearch_user
  if [ "$(id -u)" = 0 ]; then
    chmod 755 "$STACK"; chown -R "$OPENSEARCH_USER" "$dir"; run=(runuser -u "$OPENSEARCH_USER" --)
  fi
  log "starting OpenSearch $OPENSEARCH_VERSION on 127.0.0.1:$OPENSEARCH_PORT"
  # shellcheck disable=SC2016
  nohup "${run[@]}" env OPENSEARCH_JAVA_OPTS="-Xms768m -Xmx768m" JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}" \
    "$dir/home/bin/opensearch" \
      -Ecluster.name=vigil-test -Enode.name=vigil-test-1 -Ediscovery.type=single-node \
      -Enetwork.host=127.0.0.1 -Ehttp.port="$OPENSEARCH_PORT" -Etransport.port="$OPENSEARCH_TRANSPORT_PORT" \
      -Epath.data="$dir/data" -Epath.logs="$dir/logs" \
      -Ecluster.routing.allocation.disk.threshold_enabled=false -Eaction.auto_create_index=false \
      >"$dir/stdout.log" 2>&1 &
  echo $! > "$dir/pid"
  wait_until "OpenSearch" 150 opensearch_healthy || { tail -n 50 "$dir/stdout.log" >&2; die "OpenSearch did not start"; }
}

opensearch_healthy() {
  pid_alive "$STACK/opensearch/pid" && curl -fsS "http://127.0.0.1:$OPENSEARCH_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null
}

stop_one() {
  local name=$1 pidfile="$STACK/$1/pid"
  pid_alive "$pidfile" || { log "$name not running"; return 0; }
  local pid; pid=$(cat "$pidfile")
  # OpenSearch under runuser: signal the whole process group of the launcher.
  pkill -TERM -P "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  pkill -KILL -P "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  log "$name stopped"
}

which=${2:-all}
case "${1:-}" in
  start)
    mkdir -p "$STACK"
    [ "$which" = opensearch ] || start_kafka
    [ "$which" = kafka ] || start_opensearch
    ;;
  kill)
    [ "$which" = kafka ] || die "only kafka can be killed"
    if pid_alive "$STACK/kafka/pid"; then kill -KILL "$(cat "$STACK/kafka/pid")"; rm -f "$STACK/kafka/pid"; log "Kafka killed"; fi
    ;;
  resume)
    [ "$which" = kafka ] || die "only kafka can be resumed"
    start_kafka keep
    ;;
  stop)
    [ "$which" = opensearch ] || stop_one kafka
    [ "$which" = kafka ] || stop_one opensearch
    ;;
  status)
    for name in kafka opensearch; do
      if pid_alive "$STACK/$name/pid"; then echo "$name running (pid $(cat "$STACK/$name/pid"))"; else echo "$name stopped"; fi
    done
    ;;
  env)
    echo "export VIGIL_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
    echo "export VIGIL_OPENSEARCH_URL=http://127.0.0.1:$OPENSEARCH_PORT"
    ;;
  checksums)
    # Prints the checksums to pin after a version change.
    (KAFKA_LIBS_SHA256=x fetch_kafka >/dev/null 2>&1) || true
    echo "KAFKA_LIBS_SHA256=$(sha256_of_dir "$CACHE/kafka-$KAFKA_VERSION/libs")"
    (OPENSEARCH_ZIP_SHA256=x fetch_opensearch >/dev/null 2>&1) || true
    echo "OPENSEARCH_ZIP_SHA256=$(sha256sum "$CACHE/opensearch-$OPENSEARCH_VERSION.zip" | cut -d' ' -f1)"
    ;;
  *)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
