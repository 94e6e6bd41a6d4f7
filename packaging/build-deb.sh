#!/usr/bin/env bash
# Builds the Debian package of vpanel from a staged tree with dpkg-deb (called by the packaging
# module at `package`; see packaging/README.md):
#
#   build-deb.sh VERSION AGENT_JAR OUTDIR     -> OUTDIR/vpanel_VERSION_ARCH.deb
#
# The tree: the agent's jar and its own Java runtime (jlink, only the modules below) under
# /usr/lib/vpanel, a class-data sharing archive made by a short training run of the staged agent,
# /usr/bin/vpanel, the systemd unit, the commented configuration (a conffile), the polkit rule,
# the man page and the bash completion (both generated from the CLI itself), the docs.
# VPANEL_DEB_CDS=0 leaves the archive out (to measure what it gives).
set -euo pipefail
version=$1
jar=$(realpath "$2")
out=$(realpath -m "$3")
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
: "${JAVA_HOME:?JAVA_HOME must name the JDK to take the runtime from}"
# zstd, not xz: 84 instead of 72 MiB, but 3 s instead of minutes on 2 busy cores.
# The JDK modules the agent uses. From `jdeps --ignore-missing-deps --multi-release 21
# --print-module-deps agent/target/vpanel.jar` (slow: a minute, so not run at every build), plus
# what jdeps cannot see: jdk.zipfs (Jetty serves the panel's files out of the jar through a zip
# file system), jdk.naming.dns (Netty's and gRPC's DNS resolution for etcd endpoints).
# java.desktop stays: lanterna (the tui panel) asks java.awt whether it runs headless.
modules=java.base,java.compiler,java.desktop,java.instrument,java.management,java.naming
modules+=,java.net.http,java.rmi,java.security.jgss,java.sql,jdk.jfr,jdk.unsupported
modules+=,jdk.zipfs,jdk.naming.dns

[ -f "$jar" ] || { echo "build-deb: $jar is missing (build the agent module first)" >&2; exit 1; }
arch=$(dpkg --print-architecture)
root="$out/deb-root"
deb="$out/vpanel_${version}_${arch}.deb"
rm -rf "$root" "$deb"
mkdir -p "$root/DEBIAN" "$root/usr/lib/vpanel" "$root/usr/bin" "$root/lib/systemd/system" \
  "$root/etc/vpanel" "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/doc/vpanel" "$root/usr/share/polkit-1/rules.d"
lib="$root/usr/lib/vpanel"

echo "build-deb: [${SECONDS}s] jlink runtime ($modules)" >&2
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --generate-cds-archive --output "$lib/runtime" >/dev/null
# What a headless agent never loads: the X11 toolkit (and its X libraries' dependencies), the
# splash screen, the base archive for heaps over 32 GiB (the agent's is far smaller).
rm -f "$lib/runtime/lib/libawt_xawt.so" "$lib/runtime/lib/libjawt.so" \
  "$lib/runtime/lib/libsplashscreen.so" "$lib/runtime/lib/server/classes_nocoops.jsa"
install -m 644 "$jar" "$lib/vpanel.jar"

# The JVM's options, one per line (a java @argfile). What each one gives: packaging/README.md,
# section Footprint (footprint.sh measures them).
options=(
  -XX:+UseSerialGC
  -Xss512k
  -Xms8m
  -Xmx128m
  -XX:MaxMetaspaceSize=96m
  -XX:ReservedCodeCacheSize=24m
  -XX:TieredStopAtLevel=1
  -XX:TrimNativeHeapInterval=5000
  -Djava.awt.headless=true
  --sun-misc-unsafe-memory-access=allow
)
printf '%s\n' "${options[@]}" > "$lib/jvm.options"
java="$lib/runtime/bin/java"

if [ "${VPANEL_DEB_CDS:-1}" = 1 ]; then
  echo "build-deb: [${SECONDS}s] class-data sharing archive (training run of the staged agent)" >&2
  "$here/train-cds.sh" "$java" "$lib/jvm.options" "$lib/vpanel.jar" "$lib/vpanel.jsa" "$out/cds-training"
  chmod 644 "$lib/vpanel.jsa"
  # The archive records the jar by its path at training; the JVM accepts it at another path (the
  # installed one) with the same layout. -Xshare:auto: a mismatch falls back to no archive.
  printf '%s\n' -XX:SharedArchiveFile=/usr/lib/vpanel/vpanel.jsa -Xshare:auto -Xlog:cds=off \
    -Xlog:cds+dynamic=off >> "$lib/jvm.options"
fi
install -m 755 "$here/debian/vpanel.launcher" "$root/usr/bin/vpanel"

echo "build-deb: [${SECONDS}s] man page and bash completion (from the CLI)" >&2
"$java" -Djava.awt.headless=true -cp "$lib/vpanel.jar" picocli.AutoComplete --force -n vpanel \
  -o "$root/usr/share/bash-completion/completions/vpanel" io.vpanel.agent.Main >/dev/null
chmod 644 "$root/usr/share/bash-completion/completions/vpanel"
"$here/man-page.sh" "$version" "$java" "$lib/vpanel.jar" > "$out/vpanel.1"
gzip -9n < "$out/vpanel.1" > "$root/usr/share/man/man1/vpanel.1.gz"

install -m 644 "$here/vpanel.service" "$root/lib/systemd/system/vpanel.service"
install -m 644 "$here/vpanel.yaml" "$root/etc/vpanel/vpanel.yaml"
install -m 644 "$here/polkit/50-vpanel-libvirt.rules" "$root/usr/share/polkit-1/rules.d/50-vpanel-libvirt.rules"
for doc in README.md docs/CONFIG.md docs/SECURITY.md docs/API.md drivers/hypervisor-libvirt/README.md; do
  name=$(basename "$doc")
  [ "$doc" = drivers/hypervisor-libvirt/README.md ] && name=README.libvirt.md
  install -m 644 "$repo/$doc" "$root/usr/share/doc/vpanel/$name"
done
install -m 644 "$here/debian/README.Debian" "$root/usr/share/doc/vpanel/README.Debian"
install -m 644 "$here/debian/copyright" "$root/usr/share/doc/vpanel/copyright"
printf 'vpanel (%s) unstable; urgency=medium\n\n  * Built from the vpanel source tree.\n\n -- vpanel developers <vpanel@localhost>  %s\n' \
  "$version" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$root/usr/share/doc/vpanel/changelog.gz"

install -m 644 "$here/debian/conffiles" "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 755 "$here/debian/$script" "$root/DEBIAN/$script"
done
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
  "$here/debian/control" > "$root/DEBIAN/control"
find "$root" -type d -exec chmod 755 {} +

echo "build-deb: [${SECONDS}s] dpkg-deb" >&2
dpkg-deb --root-owner-group -Zzstd --build "$root" "$deb" >/dev/null
echo "build-deb: [${SECONDS}s] $deb ($(du -h "$deb" | cut -f1), installed $((size / 1024)) MiB)" >&2
