package io.vpanel.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The packaged demo as its own process under a flood of event streams, as an outsider would try it:
 * {@code attempts} streams opened at once from many loopback addresses (so both the per-address and
 * the total limit are hit) and held. Resident memory before, while they are held, and after they
 * are closed; how many were admitted and refused; and whether {@code /healthz} still answers
 * meanwhile.
 */
final class StreamFloodBench {
  record Result(
      int attempts,
      int admitted,
      int refused,
      int failed,
      double rssBeforeMiB,
      double rssDuringMiB,
      double rssAfterMiB,
      int healthDuring) {}

  Result run(int attempts) throws Exception {
    Process process = FootprintBench.startDemo("flood-token-0123456789abcdef");
    List<Socket> open = new ArrayList<>();
    try {
      String url = FootprintBench.demoUrl(process);
      URI base = URI.create(url);
      HttpClient http = HttpClient.newHttpClient();
      health(http, url);
      double before = ProcessStats.rssMiB(process.pid());
      int admitted = 0;
      int refused = 0;
      int failed = 0;
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<Object>> tries = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
          // 127.0.x.y: 250 addresses, 20 tries each for 5,000.
          String from = "127.0.1." + (1 + i % 250);
          tries.add(pool.submit(() -> attempt(base, from)));
        }
        for (Future<Object> attempt : tries) {
          Object outcome = attempt.get(60, TimeUnit.SECONDS);
          if (outcome instanceof Socket socket) {
            open.add(socket);
            admitted++;
          } else if ("503".equals(outcome)) {
            refused++;
          } else {
            failed++;
          }
        }
      }
      int healthDuring = health(http, url);
      double during = ProcessStats.rssMiB(process.pid());
      for (Socket socket : open) {
        socket.close();
      }
      open.clear();
      // Let the agent notice the closed streams and collect what they held.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline && metric(http, url, "vpanel_event_streams") > 0) {
        Thread.sleep(200);
      }
      Thread.sleep(2_000);
      double after = ProcessStats.rssMiB(process.pid());
      return new Result(attempts, admitted, refused, failed, before, during, after, healthDuring);
    } finally {
      for (Socket socket : open) {
        socket.close();
      }
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
      process.destroyForcibly();
    }
  }

  /** An open stream (its socket), "503" when refused, or another status or error. */
  private static Object attempt(URI base, String from) {
    Socket socket = new Socket();
    try {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
      socket.setSoTimeout(30_000);
      socket
          .getOutputStream()
          .write(
              ("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] status = in.readNBytes(12);
      String line = new String(status, StandardCharsets.US_ASCII);
      if (line.startsWith("HTTP/1.1 200")) {
        return socket;
      }
      socket.close();
      return line.length() >= 12 ? line.substring(9, 12) : "closed";
    } catch (IOException e) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // already gone
      }
      return e.getClass().getSimpleName();
    }
  }

  private static int health(HttpClient http, String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url + "/healthz")).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static double metric(HttpClient http, String url, String name) throws Exception {
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : body.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return 0;
  }

  /** This benchmark alone: {@code StreamFloodBench [ATTEMPTS]}. */
  public static void main(String[] args) throws Exception {
    Result r = new StreamFloodBench().run(args.length > 0 ? Integer.parseInt(args[0]) : 5000);
    System.out.println(r);
  }
}
