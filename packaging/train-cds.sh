#!/usr/bin/env bash
# train-cds.sh JAVA JVM_OPTIONS JAR ARCHIVE WORKDIR: the class-data sharing archive of the agent.
# Runs the agent (sim driver, web panel, journal on: the classes an agent of a host loads at start
# and while serving) with the package's own JVM options, opens its panel page and its event
# stream until the first frame, then stops it with SIGTERM; the JVM writes the classes it loaded
# into ARCHIVE at exit (-XX:ArchiveClassesAtExit, a dynamic archive on top of the runtime's base
# archive). The journal exists already when it trains (see below). With a sixth argument "aot" it writes a JDK 25 ahead-of-time cache instead
# (-XX:AOTCacheOutput: the classes loaded and linked, and the methods' profiles).
set -euo pipefail
java=$1 options=$2 jar=$3 archive=$4 work=$5 kind=${6:-cds}
if [ "$kind" = aot ]; then
  record=(-XX:AOTCacheOutput="$archive" -Xlog:aot=off -Xlog:cds=off)
else
  record=(-XX:ArchiveClassesAtExit="$archive" -Xlog:cds=off -Xlog:cds+dynamic=off)
fi
rm -rf "$work" "$archive"
mkdir -p "$work"
head -c 24 /dev/urandom | base64 > "$work/token"
chmod 600 "$work/token"
cat > "$work/vpanel.yaml" <<YAML
host:
  name: sim-01
hypervisor:
  driver: sim
panels:
  - driver: web
api:
  listen: 127.0.0.1:0
  tokenFile: $work/token
journal:
  path: $work/journal.db
YAML
# Starts the agent with the given extra JVM options; sets pid and port once it serves.
start() {
  : > "$work/out.log"
  "$java" @"$options" "$@" -jar "$jar" agent --config "$work/vpanel.yaml" > "$work/out.log" 2> "$work/err.log" &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  port=
  for _ in $(seq 1 1200); do
    port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/out.log")
    [ -n "$port" ] && break
    kill -0 $pid 2>/dev/null || { cat "$work/err.log" >&2; echo "train-cds: the agent stopped" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "train-cds: the agent did not start" >&2; exit 1; }
}
# A first start makes the journal, so the training run is an agent's every later start: it opens
# a journal whose schema is current and never loads Flyway (journal JournalSchema); the archive
# leaves Flyway's classes out, and a host's very first start loads them from the jar.
start
kill -TERM $pid
wait $pid || true
start "${record[@]}"
# One HTTP/1.1 request on bash's /dev/tcp; reads the answer until PATTERN (or 20 s).
get() {
  local path=$1 pattern=$2
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
  timeout 20 grep -m1 -q -- "$pattern" <&3 || true
  exec 3>&-
}
get / 'HTTP/1.1'
get /api/v1/hosts 'HTTP/1.1'
get /api/v1/hosts/sim-01/panel 'HTTP/1.1'
get /api/v1/events 'event: *host'
get /metrics 'HTTP/1.1'
kill -TERM $pid
wait $pid || true
trap - EXIT
[ -s "$archive" ] || { cat "$work/err.log" >&2; echo "train-cds: no archive written" >&2; exit 1; }
