package io.vpanel.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A libvirtd of its own for the footprint section: session mode (as {@code nobody} when this runs
 * as root, else as this user), every path under a fresh directory, no TCP, no guests. Started in
 * the foreground, so the process measured is the daemon itself; {@link #close} stops it by its PID.
 */
final class Libvirtd implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/libvirtd");

  private final Path dir;
  private final Process process;
  private final double startMillis;

  private Libvirtd(Path dir, Process process, double startMillis) {
    this.dir = dir;
    this.process = process;
    this.startMillis = startMillis;
  }

  static Libvirtd start() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "vpanel-bench-libvirtd-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String sub : List.of("run", "config/libvirt", "cache", "home")) {
      Files.createDirectories(dir.resolve(sub));
    }
    Path conf = dir.resolve("config/libvirt/libvirtd.conf");
    Files.writeString(conf, "log_outputs = \"3:file:" + dir.resolve("libvirtd.log") + "\"\n");
    Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
    if (root) {
      run("chown", "-R", "nobody:nogroup", dir.toString());
    }
    List<String> argv = new ArrayList<>();
    if (root) {
      argv.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
    }
    argv.addAll(List.of(BINARY.toString(), "--config", conf.toString()));
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("start.log").toFile());
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    builder.environment().put("HOME", dir.resolve("home").toString());
    builder.environment().put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
    builder.environment().put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    builder.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
    long t0 = System.nanoTime();
    Process process = builder.start();
    Path socket = dir.resolve("run/libvirt/libvirt-sock");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        channel.connect(UnixDomainSocketAddress.of(socket));
        break;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new IllegalStateException(
              "libvirtd did not start: " + Files.readString(dir.resolve("start.log")));
        }
        Thread.sleep(5);
      }
    }
    return new Libvirtd(dir, process, (System.nanoTime() - t0) / 1e6);
  }

  long pid() {
    return process.pid();
  }

  double startMillis() {
    return startMillis;
  }

  String uri() {
    return "qemu+unix:///session?socket=" + dir.resolve("run/libvirt/libvirt-sock");
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed");
    }
  }
}
