package io.vpanel.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Alertmanager (Debian {@code prometheus-alertmanager}) on a free loopback port, gossip off,
 * with the configuration it is given, its state and log in a directory of the test's.
 */
final class AlertmanagerProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private AlertmanagerProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** The Alertmanager binary on this machine: {@code alertmanager} or Debian's name for it. */
  static Optional<Path> binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      for (String name : List.of("alertmanager", "prometheus-alertmanager")) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** Starts {@code binary} with {@code config} (YAML) and waits until it is ready. */
  static AlertmanagerProcess start(Path binary, Path dir, String config) throws IOException {
    Files.createDirectories(dir);
    Path configFile = Files.writeString(dir.resolve("alertmanager.yml"), config);
    Path log = dir.resolve("alertmanager.log");
    int port = AgentApi.freePort();
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + configFile,
                "--storage.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                // No gossip: one instance, nothing leaves loopback.
                "--cluster.listen-address=",
                "--log.level=debug")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    AlertmanagerProcess am = new AlertmanagerProcess(process, log, port);
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(
              () -> {
                if (!process.isAlive()) {
                  throw new IllegalStateException("alertmanager exited:\n" + am.log());
                }
                return am.get("/-/ready").statusCode() == 200;
              });
    } catch (RuntimeException e) {
      am.close();
      throw new IllegalStateException("alertmanager did not become ready:\n" + am.log(), e);
    }
    return am;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** {@code POST /api/v2/alerts} with {@code alerts} (a JSON array); its status. */
  int postAlerts(String alerts) throws IOException, InterruptedException {
    HttpResponse<String> reply =
        http.send(
            HttpRequest.newBuilder(URI.create(url() + "/api/v2/alerts"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(alerts))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (reply.statusCode() != 200) {
      throw new IllegalStateException(
          "alertmanager refused the alerts: " + reply.statusCode() + " " + reply.body());
    }
    return reply.statusCode();
  }

  /**
   * The webhook notifications Alertmanager counts as sent (and failed), from its own metrics:
   * {@code alertmanager_notifications_total{integration="webhook"}}.
   */
  long webhookNotifications(String metric) throws IOException, InterruptedException {
    String text = get("/metrics").body();
    Matcher m =
        Pattern.compile(
                "^" + metric + "\\{[^}]*integration=\"webhook\"[^}]*\\} ([0-9.e+]+)$",
                Pattern.MULTILINE)
            .matcher(text);
    long total = 0;
    while (m.find()) {
      total += (long) Double.parseDouble(m.group(1));
    }
    return total;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String log() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    http.close();
  }
}
