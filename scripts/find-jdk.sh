# Sourced by ./vpanel and ./test: sets JAVA_HOME to a JDK >= 21 (JAVA_HOME first, then
# /usr/lib/jvm/*), or explains what to install and exits.
java_major() { "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'; }

find_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(java_major "$candidate/bin/java")" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME="$(find_jdk)"; then
  echo "vpanel: needs a JDK 21 or newer; none found in JAVA_HOME or /usr/lib/jvm." >&2
  echo "        Install one, for example: apt-get install openjdk-21-jdk-headless" >&2
  exit 1
fi
export JAVA_HOME
