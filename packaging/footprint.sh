#!/usr/bin/env bash
# footprint.sh [RUNS] [IDLE_SECONDS]: what each step of the package gives, measured on the staged
# package (packaging/target/deb-root, built by `./mvnw -pl packaging -am package`).
#
# The agent of one host as the package runs it: the libvirt driver against a real libvirtd (a
# session-mode daemon as nobody, its files in a fresh directory, no guests), the web panel and an
# LCD panel (LCDd with the curses driver in tmux, testkit's scripts), the journal on. For each
# variant of runtime and JVM options, RUNS times (default 3): the time from process start until an
# SSE client gets the first `host` event (the first panel frame), the CPU seconds the process used
# by then, then after IDLE_SECONDS (default 10) idle: VmRSS, RssAnon, RssFile (MiB) and threads.
# ROUND=2, 3, 4 and 5 measure further candidates (see the README). VARIANTS=N runs the first N.
# Every run but ROUND=5's "new journal" starts on a journal made by an earlier start (an agent's
# every start after its first on a host).
# Prints one line per run and a median line per variant (markdown table rows). Needs root (the
# daemon runs as nobody), libvirt-daemon, lcdproc, tmux, curl.
set -euo pipefail
runs=${1:-3} idle=${2:-10}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
lib="$here/target/deb-root/usr/lib/vpanel"
full_java=${FULL_JAVA:-$(ls -d /usr/lib/jvm/temurin-25-jdk-amd64 2>/dev/null || true)/bin/java}
[ -x "$lib/runtime/bin/java" ] || { echo "footprint: build the package first (./mvnw -pl packaging -am package)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "footprint: run as root (libvirtd runs as nobody)" >&2; exit 1; }

work=$(mktemp -d /tmp/vpanel-footprint.XXXXXX)
chmod 755 "$work"
daemon_pid=
cleanup() {
  [ -n "${agent_pid:-}" ] && kill "$agent_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  "$repo/testkit/src/main/resources/lcdd/stop-lcdd.sh" "$work/lcd" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- peers: one libvirtd (session mode, as nobody), one LCDd ------------------------------------
v="$work/libvirt"
mkdir -p "$v/run" "$v/config/libvirt" "$v/cache" "$v/home"
printf 'log_outputs = "3:file:%s/libvirtd.log"\n' "$v" > "$v/config/libvirt/libvirtd.conf"
chmod 700 "$v/run"
chown -R nobody:nogroup "$v"
setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$v/home" XDG_RUNTIME_DIR="$v/run" \
  XDG_CONFIG_HOME="$v/config" XDG_CACHE_HOME="$v/cache" \
  setpriv --reuid=nobody --regid=nogroup --clear-groups \
  /usr/sbin/libvirtd --config "$v/config/libvirt/libvirtd.conf" </dev/null >"$v/start.log" 2>&1 &
daemon_pid=$!
uri="qemu+unix:///session?socket=$v/run/libvirt/libvirt-sock"
for _ in $(seq 1 300); do virsh -q -c "$uri" uri >/dev/null 2>&1 && break; sleep 0.1; done
virsh -q -c "$uri" uri >/dev/null
lcd_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$repo/testkit/src/main/resources/lcdd/start-lcdd.sh" "$work/lcd" "$lcd_port" 20x4 >/dev/null

head -c 24 /dev/urandom | base64 > "$work/token"
chmod 600 "$work/token"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/vpanel.yaml" <<YAML
host:
  name: host-01
hypervisor:
  driver: libvirt
  uri: "$uri"
panels:
  - driver: web
  - driver: lcdproc
    port: $lcd_port
api:
  listen: 127.0.0.1:$port
  tokenFile: $work/token
journal:
  path: $work/journal.db
YAML

# The package's options with the installed paths pointing at the staged tree, minus the lines a
# variant takes out (a grep -v pattern), plus its own.
shipped=$(sed "s|/usr/lib/vpanel/|$lib/|" "$lib/jvm.options")
sizing='^-Xms|^-Xmx|^-XX:MaxMetaspaceSize|^-XX:ReservedCodeCacheSize'
cds='SharedArchiveFile|^-Xshare|^-Xlog:cds'
opts() { # DROP_PATTERN EXTRA... -> an argfile path
  local drop=$1 f; shift
  f=$(mktemp "$work/opts.XXXX")
  if [ -n "$drop" ]; then grep -Ev -- "$drop" <<<"$shipped" > "$f" || true; else echo "$shipped" > "$f"; fi
  for o in "$@"; do echo "$o" >> "$f"; done
  echo "$f"
}
minimal=$(opts '.' -Djava.awt.headless=true --sun-misc-unsafe-memory-access=allow)
minimal_cds=$(opts '^-Xss|^-Xms|^-Xmx|^-XX:(Max|Res|Tier|\+UseSerial)')

# name | java | argfile | env
variants=(
  "JDK 25 (full), no options|$full_java|$minimal|"
  "jlink runtime, no options|$lib/runtime/bin/java|$minimal|"
  "jlink + AppCDS|$lib/runtime/bin/java|$minimal_cds|"
  "jlink + AppCDS + Serial, -Xss512k, C1 (no heap/metaspace sizing)|$lib/runtime/bin/java|$(opts "$sizing")|"
  "shipped: jlink + AppCDS + Serial + sizing + -Xss512k + C1|$lib/runtime/bin/java|$(opts '')|"
  "shipped, G1 instead of Serial|$lib/runtime/bin/java|$(opts 'UseSerialGC' -XX:+UseG1GC)|"
  "shipped, without -Xss512k|$lib/runtime/bin/java|$(opts '^-Xss')|"
  "shipped, C2 as well (no TieredStopAtLevel=1)|$lib/runtime/bin/java|$(opts 'TieredStopAtLevel')|"
  "shipped, -Xshare:off (no class-data sharing)|$lib/runtime/bin/java|$(opts "$cds" -Xshare:off)|"
  "shipped + MALLOC_ARENA_MAX=2|$lib/runtime/bin/java|$(opts '')|MALLOC_ARENA_MAX=2"
  "shipped + -Xmx64m, metaspace 64m, code cache 16m, 1 compiler thread, MALLOC_ARENA_MAX=2|$lib/runtime/bin/java|$(opts "$sizing|CICompilerCount" -Xms8m -Xmx64m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=16m -XX:CICompilerCount=1)|MALLOC_ARENA_MAX=2"
)
# ROUND=2: candidates beyond the shipped set (CDS archive as built: a flag that changes the object
# layout makes the JVM run without it, which the CPU column shows).
if [ "${ROUND:-1}" = 2 ]; then
  variants=(
    "shipped|$lib/runtime/bin/java|$(opts '')|"
    "shipped + heap shrinks after GC (MinHeapFreeRatio=10, MaxHeapFreeRatio=20)|$lib/runtime/bin/java|$(opts '' -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20)|"
    "shipped + -XX:-UsePerfData|$lib/runtime/bin/java|$(opts '' -XX:-UsePerfData)|"
    "shipped + -XX:+UseCompactObjectHeaders|$lib/runtime/bin/java|$(opts '' -XX:+UseCompactObjectHeaders)|"
  )
fi
# ROUND=3: the young generation capped (Serial grows it with the heap otherwise).
if [ "${ROUND:-1}" = 3 ]; then
  variants=(
    "shipped|$lib/runtime/bin/java|$(opts '')|"
    "shipped + -XX:MaxNewSize=8m|$lib/runtime/bin/java|$(opts '' -XX:MaxNewSize=8m)|"
    "shipped + -XX:MaxNewSize=4m|$lib/runtime/bin/java|$(opts '' -XX:MaxNewSize=4m)|"
  )
fi
# ROUND=4: JDK 25's ahead-of-time cache (classes loaded and linked, method profiles) instead of the
# dynamic class-data archive, trained the way the package trains its archive.
if [ "${ROUND:-1}" = 4 ]; then
  "$here/train-cds.sh" "$lib/runtime/bin/java" "$(opts "$cds")" "$lib/vpanel.jar" "$work/vpanel.aot" \
    "$work/aot-training" aot >&2
  variants=(
    "shipped|$lib/runtime/bin/java|$(opts '')|"
    "shipped, AOT cache instead of the CDS archive|$lib/runtime/bin/java|$(opts "$cds" -XX:AOTCache="$work/vpanel.aot" -Xlog:aot=off -Xlog:cds=off)|"
  )
fi
# ROUND=5: an agent's first start on a host (a new journal: Flyway makes the schema, its classes
# come from the jar, not the archive) beside every later start.
if [ "${ROUND:-1}" = 5 ]; then
  variants=(
    "shipped, journal exists (every start after the first)|$lib/runtime/bin/java|$(opts '')|"
    "shipped, new journal (the first start on a host)|$lib/runtime/bin/java|$(opts '')||new"
    "shipped + -XX:TrimNativeHeapInterval=5000 (malloc_trim every 5 s)|$lib/runtime/bin/java|$(opts '' -XX:TrimNativeHeapInterval=5000)|"
  )
fi
[ -n "${VARIANTS:-}" ] && variants=("${variants[@]:0:$VARIANTS}")

field() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$2/status"; }
cpu() { local s; s=$(cut -d')' -f2- "/proc/$1/stat"); awk '{print ($12 + $13) / 100}' <<<"$s"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "| variant | start to first frame ms | CPU to frame s | RSS MiB | anon MiB | file MiB | threads |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for variant in "${variants[@]}"; do
  IFS='|' read -r name java argfile envs journal <<<"$variant"
  rows=()
  rm -f "$work/journal.db"*
  for _ in $(seq 1 "$runs"); do
    if [ "$journal" = new ] || [ ! -e "$work/journal.db" ]; then
      # a start of its own makes the journal, unmeasured, unless the variant measures that
      rm -f "$work/journal.db"*
      if [ "$journal" != new ]; then
        "$java" @"$argfile" -jar "$lib/vpanel.jar" agent --config "$work/vpanel.yaml" \
          >"$work/agent.log" 2>&1 &
        agent_pid=$!
        until curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/hosts"; do
          kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log" >&2; exit 1; }
          sleep 0.05
        done
        kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=
      fi
    fi
    t0=$(date +%s%N)
    env $envs "$java" @"$argfile" -jar "$lib/vpanel.jar" agent --config "$work/vpanel.yaml" \
      >"$work/agent.log" 2>&1 &
    agent_pid=$!
    # (grep reads from a process substitution: it returns at the first event, curl ends later)
    until grep -m1 -q '^event: *host' < <(curl -sN --max-time 20 "http://127.0.0.1:$port/api/v1/events" 2>/dev/null); do
      kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log" >&2; exit 1; }
      sleep 0.01
    done
    t1=$(date +%s%N)
    cpu_frame=$(cpu "$agent_pid")
    sleep "$idle"
    rss=$(( $(field VmRSS "$agent_pid") / 1024 )); anon=$(( $(field RssAnon "$agent_pid") / 1024 ))
    file=$(( $(field RssFile "$agent_pid") / 1024 )); threads=$(field Threads "$agent_pid")
    kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=
    ms=$(( (t1 - t0) / 1000000 ))
    rows+=("$ms $cpu_frame $rss $anon $file $threads")
    echo "run: $name: $ms ms, CPU $cpu_frame s, RSS $rss MiB (anon $anon, file $file), $threads threads" >&2
  done
  col() { printf '%s\n' "${rows[@]}" | awk -v c="$1" '{print $c}' | median; }
  range() { printf '%s\n' "${rows[@]}" | awk -v c="$1" 'NR==1{mn=$c;mx=$c} {if($c<mn)mn=$c; if($c>mx)mx=$c} END {print (mn==mx)? mn : mn "-" mx}'; }
  echo "| $name | $(range 1) | $(range 2) | $(range 3) | $(col 4) | $(col 5) | $(col 6) |"
done
# setsid, env and setpriv exec: the daemon has the PID bash started
echo "libvirtd (session, no guests): RSS $(( $(field VmRSS "$daemon_pid") / 1024 )) MiB; machine load: $(cut -d' ' -f1-3 /proc/loadavg)"
