package io.vpanel.bench;

import io.vpanel.driver.lcdproc.LcdprocPanelProvider;
import io.vpanel.driver.lcdproc.LcdprocSettings;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.LcddFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * From a hypervisor event to the text on a real LCD: a guest of sim-01 stopped or started on the
 * simulator until the LCD that LCDd draws (curses driver in tmux, at the {@code FrameInterval} the
 * lcdproc README recommends) shows the host's new VM count, beside the same event reaching an SSE
 * client (the web panel's path) in the same run. The LCD is read with {@code tmux capture-pane}
 * every {@value #POLL_MILLIS} ms, so its figures are late by up to that much.
 */
final class LcdLatencyBench {
  /** The FrameInterval the lcdproc README recommends, in µs (32 renders a second). */
  static final int FRAME_INTERVAL_MICROS = 31_250;

  static final int POLL_MILLIS = 5;

  private static final Pattern COUNT = Pattern.compile("(\\d+) VM");

  record Result(Percentiles eventToSse, Percentiles eventToLcd, int frameIntervalMicros) {}

  private final JsonMapper json = JsonMapper.builder().build();
  private final Map<String, JsonNode> latest = new ConcurrentHashMap<>();

  /** This benchmark alone: {@code LcdLatencyBench [SAMPLES]} prints its two rows. */
  public static void main(String[] args) throws Exception {
    int samples = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Optional<Result> result = new LcdLatencyBench().run(samples);
    if (result.isEmpty()) {
      System.out.println("LCDd or tmux is not installed");
      return;
    }
    System.out.println(result.get().eventToSse().row("hypervisor event -> SSE (web panel)"));
    System.out.println(result.get().eventToLcd().row("hypervisor event -> text on the LCD"));
  }

  /** Empty when LCDd or tmux is not installed (the report says so). */
  Optional<Result> run(int samples) throws Exception {
    if (!installed("LCDd") || !installed("tmux")) {
      return Optional.empty();
    }
    Path dir = Files.createTempDirectory("vpanel-bench-lcd");
    try (LcddFixture lcdd =
            LcddFixture.start(
                dir, 20, 4, Map.of("LCDD_FRAME_INTERVAL", String.valueOf(FRAME_INTERVAL_MICROS)));
        LiveCluster live =
            new LiveCluster(
                SimSettings.defaults(),
                Duration.ZERO,
                null,
                (host, context) ->
                    host.equals("sim-01")
                        ? Optional.of(
                            new LcdprocPanelProvider()
                                .create(LcdprocSettings.defaults().withPort(lcdd.port()), context))
                        : Optional.empty());
        SseProbe probe = new SseProbe(live.url(), this::onEvent)) {
      String host = "sim-01";
      HypervisorConnection connection = live.connections.get(host);
      await(() -> latest.containsKey(host) && shownCount(lcdd) == runningVms(host));
      long[] toSse = new long[samples];
      long[] toLcd = new long[samples];
      for (int i = 0; i < samples; i++) {
        VmInfo vm =
            live.cluster.vmsOn(host).stream()
                .filter(v -> v.state() == VmState.RUNNING)
                .findFirst()
                .orElseThrow();
        int before = runningVms(host);
        long t0 = System.nanoTime();
        connection.shutdown(vm.uuid());
        long sse = -1;
        long lcd = -1;
        long deadline = t0 + Duration.ofSeconds(10).toNanos();
        while ((sse < 0 || lcd < 0) && System.nanoTime() < deadline) {
          if (sse < 0 && runningVms(host) == before - 1) {
            sse = System.nanoTime() - t0;
          }
          if (lcd < 0 && shownCount(lcdd) == before - 1) {
            lcd = System.nanoTime() - t0;
          }
          if (sse < 0 || lcd < 0) {
            Thread.sleep(POLL_MILLIS);
          }
        }
        if (sse < 0 || lcd < 0) {
          throw new IllegalStateException(
              "the LCD or the SSE client did not follow within 10 s; LCDd's log:\n" + lcdd.log());
        }
        toSse[i] = sse;
        toLcd[i] = lcd;
        connection.start(vm.uuid());
        await(() -> runningVms(host) == before && shownCount(lcdd) == before);
      }
      return Optional.of(
          new Result(
              Percentiles.ofNanos(toSse), Percentiles.ofNanos(toLcd), FRAME_INTERVAL_MICROS));
    }
  }

  private int runningVms(String host) {
    JsonNode node = latest.get(host);
    return node == null ? -1 : node.path("runningVms").asInt();
  }

  /** The VM count on the LCD's first row, -1 when it shows none. */
  private static int shownCount(LcddFixture lcdd) {
    try {
      List<String> rows = lcdd.screen();
      Matcher m = COUNT.matcher(rows.isEmpty() ? "" : rows.get(0));
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private void onEvent(String event, String data) {
    if ("host".equals(event)) {
      JsonNode node = json.readTree(data);
      latest.put(node.get("name").asString(), node);
    }
  }

  private static void await(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for the LCD and the SSE client");
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static boolean installed(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", program));
  }
}
