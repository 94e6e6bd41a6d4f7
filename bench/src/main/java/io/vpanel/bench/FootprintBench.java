package io.vpanel.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged agent as a process (the demo: four simulated hosts with web panels) beside
 * prometheus-node-exporter, the reference host agent, measured the same way in the same run: start
 * to first frame (the first panel state an SSE client receives; for node-exporter, the first
 * answered scrape), resident memory and CPU over an idle window. The Debian package's agent of one
 * host runs with the libvirt driver against a real libvirtd (session mode, no guests) started by
 * this run, which is measured too (start until its socket accepts).
 */
final class FootprintBench {
  static final Path AGENT_JAR = Path.of("agent/target/vpanel.jar");
  static final Path NODE_EXPORTER = Path.of("/usr/bin/prometheus-node-exporter");
  private static final Pattern URL = Pattern.compile("Front panels: (http://[^/]+)/");

  record Footprint(String name, double startMillis, double rssMiB, double idleCpuPercent) {}

  /**
   * The Debian package's staged tree (packaging/target/deb-root), which the packaging module builds
   * before this one: its own runtime, jar, options and class-data archive.
   */
  static final Path PACKAGE_LIB = Path.of("packaging/target/deb-root/usr/lib/vpanel");

  /**
   * @param agent the demo (four simulated hosts) from the launcher
   * @param packaged the agent of one host as the Debian package runs it; null without the package
   * @param reference prometheus-node-exporter; null when it is not installed
   * @param libvirtd the libvirt daemon the packaged agent drives; null when it is not installed
   */
  record Result(Footprint agent, Footprint packaged, Footprint reference, Footprint libvirtd) {}

  Result run(Duration idle) throws Exception {
    Footprint demo = agent(idle);
    Footprint exporter = nodeExporter(idle);
    if (!Files.isExecutable(Libvirtd.BINARY)) {
      return new Result(demo, packaged(idle, null), exporter, null);
    }
    try (Libvirtd daemon = Libvirtd.start()) {
      Footprint libvirtd =
          idleMeasure(
              "libvirtd (session mode, no guests)", daemon.pid(), daemon.startMillis(), idle);
      return new Result(demo, packaged(idle, daemon.uri()), exporter, libvirtd);
    }
  }

  /**
   * The packaged agent of one host (the libvirt driver on {@code libvirtUri}, or the sim driver
   * without a libvirtd; web panel, journal on) started with the package's runtime, JVM options and
   * class-data archive, from the staged tree (the installed paths rewritten to it).
   */
  private Footprint packaged(Duration idle, String libvirtUri) throws Exception {
    Path runtimeJava = PACKAGE_LIB.resolve("runtime/bin/java");
    if (!Files.isExecutable(runtimeJava)) {
      return null;
    }
    Path dir = Files.createTempDirectory("vpanel-bench-package");
    try {
      Path lib = PACKAGE_LIB.toAbsolutePath();
      Path options = dir.resolve("jvm.options");
      Files.writeString(
          options,
          Files.readString(lib.resolve("jvm.options")).replace("/usr/lib/vpanel/", lib + "/"));
      Path token = dir.resolve("token");
      Files.writeString(token, "footprint-token-0123456789");
      Files.setPosixFilePermissions(
          token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      Path config = dir.resolve("vpanel.yaml");
      Files.writeString(
          config,
          """
          host:
            name: %s
          hypervisor:
          %s
          panels:
            - driver: web
          api:
            listen: 127.0.0.1:%d
            tokenFile: %s
          journal:
            path: %s
          """
              .formatted(
                  libvirtUri == null ? "sim-01" : "host-01",
                  libvirtUri == null
                      ? "  driver: sim"
                      : "  driver: libvirt\n  uri: \"" + libvirtUri + "\"",
                  port,
                  token,
                  dir.resolve("journal.db")));
      long t0 = System.nanoTime();
      Process process =
          new ProcessBuilder(
                  runtimeJava.toAbsolutePath().toString(),
                  "@" + options,
                  "-jar",
                  lib.resolve("vpanel.jar").toString(),
                  "agent",
                  "--config",
                  config.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        String url = "http://127.0.0.1:" + port;
        CompletableFuture<Long> firstFrame = new CompletableFuture<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
          try (SseProbe probe =
              new SseProbe(
                  url,
                  (event, data) -> {
                    if ("host".equals(event)) {
                      firstFrame.complete(System.nanoTime());
                    }
                  })) {
            double start = (firstFrame.get(60, TimeUnit.SECONDS) - t0) / 1e6;
            return idleMeasure(
                "vpanel agent (Debian package: jlink, AppCDS; one host, "
                    + (libvirtUri == null ? "sim" : "libvirt")
                    + ", web panel, new journal)",
                process.pid(),
                start,
                idle);
          } catch (java.io.IOException notYet) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
              throw notYet;
            }
            Thread.sleep(5);
          }
        }
      } finally {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
        process.destroyForcibly();
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private Footprint agent(Duration idle) throws Exception {
    if (!Files.exists(AGENT_JAR)) {
      throw new IllegalStateException(AGENT_JAR + " is missing: build it with ./vpanel --help");
    }
    long t0 = System.nanoTime();
    Process process = startDemo("footprint-token-0123456789");
    try {
      String url = demoUrl(process);
      CompletableFuture<Long> firstFrame = new CompletableFuture<>();
      try (SseProbe probe =
          new SseProbe(
              url,
              (event, data) -> {
                if ("host".equals(event)) {
                  firstFrame.complete(System.nanoTime());
                }
              })) {
        double start = (firstFrame.get(60, TimeUnit.SECONDS) - t0) / 1e6;
        return idleMeasure("vpanel agent (demo, 4 hosts)", process.pid(), start, idle);
      }
    } finally {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
      process.destroyForcibly();
    }
  }

  /** The packaged demo as its own process, started exactly as an operator starts it. */
  static Process startDemo(String token) throws IOException {
    // The launcher execs the JVM with its own flags.
    return new ProcessBuilder("./vpanel", "demo", "--port", "0", "--token", token)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /** The base URL the demo prints once it serves. */
  static String demoUrl(Process process) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = URL.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new IllegalStateException("the demo printed no URL");
  }

  private Footprint nodeExporter(Duration idle) throws Exception {
    if (!Files.isExecutable(NODE_EXPORTER)) {
      return null;
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    long t0 = System.nanoTime();
    Process process =
        new ProcessBuilder(
                List.of(NODE_EXPORTER.toString(), "--web.listen-address=127.0.0.1:" + port))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        try {
          HttpResponse<Void> response =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
          if (response.statusCode() == 200) {
            break;
          }
        } catch (java.io.IOException notYet) {
          if (System.nanoTime() > deadline) {
            throw notYet;
          }
          Thread.sleep(5);
        }
      }
      double start = (System.nanoTime() - t0) / 1e6;
      return idleMeasure("prometheus-node-exporter", process.pid(), start, idle);
    } finally {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Footprint idleMeasure(String name, long pid, double startMillis, Duration idle)
      throws Exception {
    Thread.sleep(2000);
    double cpu0 = ProcessStats.cpuSeconds(pid);
    long t0 = System.nanoTime();
    Thread.sleep(idle.toMillis());
    double cpu1 = ProcessStats.cpuSeconds(pid);
    double wall = (System.nanoTime() - t0) / 1e9;
    return new Footprint(name, startMillis, ProcessStats.rssMiB(pid), 100 * (cpu1 - cpu0) / wall);
  }
}
