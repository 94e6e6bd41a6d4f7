package io.vpanel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real LCDd with the curses driver in a detached tmux session, for tests and benchmarks: {@link
 * #screen} reads what the "LCD" shows ({@code tmux capture-pane}), {@link #press} presses its keys
 * ({@code tmux send-keys}), {@link #kill} kills LCDd with SIGKILL and {@link #restart} starts it
 * again on the same port. The scripts are this module's test resources ({@code lcdd/}), copied into
 * the directory given, so the fixture also works from the test jar. Needs {@code LCDd} and {@code
 * tmux} on the machine. Close it (in {@code @AfterEach}/{@code @AfterAll}): it stops LCDd and its
 * tmux server.
 *
 * <p>For latency measurements: render, then poll {@link #screen} (about 2 ms of CPU per call, so
 * every 20-50 ms); LCDd shows a change after up to about 31 ms + {@code FrameInterval}.
 */
public final class LcddFixture implements AutoCloseable {
  private static final List<String> SCRIPTS =
      List.of("start-lcdd.sh", "stop-lcdd.sh", "render-conf.sh", "LCDd-curses.conf.in");

  private final Path bin;
  private final Path state;
  private final int port;
  private final String size;
  private final Map<String, String> environment;
  private volatile Properties env;

  private LcddFixture(Path dir, int port, String size, Map<String, String> environment) {
    this.bin = dir.resolve("bin");
    this.state = dir.resolve("lcd");
    this.port = port;
    this.size = size;
    this.environment = Map.copyOf(environment);
  }

  /**
   * LCDd drawing a {@code width} x {@code height} LCD, on a free port, its files under {@code dir}.
   */
  public static LcddFixture start(Path dir, int width, int height) throws IOException {
    return start(dir, width, height, Map.of());
  }

  /**
   * The same with environment for start-lcdd.sh: {@code LCDD_FRAME_INTERVAL} (µs, default 125000),
   * {@code LCDD_MENU=off} (frees Escape), {@code LCDD_SERVER_SCREEN}, {@code LCDD_REPORT_LEVEL}.
   */
  public static LcddFixture start(Path dir, int width, int height, Map<String, String> environment)
      throws IOException {
    LcddFixture lcdd = new LcddFixture(dir, freePort(), width + "x" + height, environment);
    lcdd.install();
    lcdd.restart();
    return lcdd;
  }

  /** A port nothing listens on now. */
  public static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  public int width() {
    return Integer.parseInt(env().getProperty("LCDD_WIDTH"));
  }

  public int height() {
    return Integer.parseInt(env().getProperty("LCDD_HEIGHT"));
  }

  /** LCDd's process id. */
  public long pid() {
    return Long.parseLong(env().getProperty("LCDD_PID"));
  }

  /** The display's rows as shown now, cut to the width, trailing blanks kept as tmux gives them. */
  public List<String> screen() throws IOException {
    List<String> rows = new ArrayList<>();
    for (String line : tmux("capture-pane", "-p", "-t", target()).lines().toList()) {
      if (rows.size() == height()) {
        break;
      }
      rows.add(line.length() > width() ? line.substring(0, width()) : line);
    }
    while (rows.size() < height()) {
      rows.add("");
    }
    return rows;
  }

  /** The display with its colour escapes: background red (41) is backlight on, cyan (46) off. */
  public String screenWithColours() throws IOException {
    return tmux("capture-pane", "-p", "-e", "-t", target());
  }

  /** Presses {@code key}: Enter, Up, Down, Left, Right, Escape, or one character. */
  public void press(String key) throws IOException {
    if (List.of("Enter", "Up", "Down", "Left", "Right", "Escape").contains(key)) {
      tmux("send-keys", "-t", target(), key);
    } else if (key.length() == 1) {
      tmux("send-keys", "-t", target(), "-l", "--", key);
    } else {
      throw new IllegalArgumentException("no such key on the curses LCD: " + key);
    }
  }

  /** Kills LCDd with SIGKILL (no goodbye to its clients), then removes its tmux server. */
  public void kill() throws IOException {
    ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroyForcibly);
    run(bin.resolve("stop-lcdd.sh").toString(), state.toString());
  }

  /** Starts LCDd (again) on the same port and size; returns once it answers {@code hello}. */
  public void restart() throws IOException {
    run(bin.resolve("start-lcdd.sh").toString(), state.toString(), String.valueOf(port), size);
    Properties loaded = new Properties();
    try (InputStream in = Files.newInputStream(state.resolve("lcdd.env"))) {
      loaded.load(in);
    }
    env = loaded;
  }

  /** Stops LCDd and its tmux server (SIGTERM, then harder); nothing to do when stopped already. */
  public void stop() throws IOException {
    run(bin.resolve("stop-lcdd.sh").toString(), state.toString());
  }

  /** LCDd's own log (its stderr): connects, key reservations, keystrokes, client errors. */
  public String log() {
    try {
      return Files.readString(state.resolve("LCDd.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no LCDd.log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Properties env() {
    Properties current = env;
    if (current == null) {
      throw new IllegalStateException("LCDd was not started");
    }
    return current;
  }

  private String target() {
    return env().getProperty("TMUX_TARGET");
  }

  private String tmux(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("tmux", "-S", env().getProperty("TMUX_SOCKET")));
    command.addAll(List.of(args));
    return run(command.toArray(String[]::new));
  }

  private void install() throws IOException {
    FixtureScripts.install("lcdd", SCRIPTS, bin);
  }

  private String run(String... command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = new LinkedHashMap<>(environment);
    builder.environment().putAll(env);
    builder.environment().remove("TMUX");
    Process process = builder.start();
    process.getOutputStream().close();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in 30 s: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output);
    }
    return output;
  }
}
