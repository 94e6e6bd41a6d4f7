package io.vpanel.driver.tui;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A terminal for a test: a detached tmux session on a private socket whose one pane runs a process
 * that never reads its input ({@code sleep}), so the pane's pseudo terminal ({@link #tty()}) can be
 * opened by the driver under test: what the driver writes shows in the pane ({@link #capture}), and
 * keys sent to the pane ({@link #sendKeys}) reach the driver alone. No user configuration is read
 * ({@code -f /dev/null}). {@link #close} kills the tmux server.
 */
public final class TmuxPane implements AutoCloseable {
  private static final String TARGET = "panel:0.0";
  private final Path dir;
  private final Path socket;
  private final String tty;

  private TmuxPane(Path dir, Path socket, String tty) {
    this.dir = dir;
    this.socket = socket;
    this.tty = tty;
  }

  /** A pane of {@code columns} x {@code rows} in a fresh directory under /tmp. */
  public static TmuxPane start(int columns, int rows) throws IOException {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "tui");
    Path socket = dir.resolve("tmux.sock");
    if (socket.toString().length() >= 100) {
      throw new IllegalStateException("tmux socket path too long for a unix socket: " + socket);
    }
    run(
        socket,
        "new-session",
        "-d",
        "-s",
        "panel",
        "-x",
        String.valueOf(columns),
        "-y",
        String.valueOf(rows),
        "sh -c 'stty raw -echo; exec sleep 1000000'");
    run(socket, "set-option", "-g", "status", "off");
    run(socket, "set-option", "-g", "window-size", "manual");
    String tty = run(socket, "display-message", "-p", "-t", TARGET, "#{pane_tty}").strip();
    return new TmuxPane(dir, socket, tty);
  }

  /** The pane's terminal device, for example {@code /dev/pts/4}. */
  public String tty() {
    return tty;
  }

  /** The pane's text, row by row, trailing blanks dropped. */
  public List<String> capture() throws IOException {
    String text = run(socket, "capture-pane", "-p", "-t", TARGET);
    if (text.endsWith("\n")) {
      text = text.substring(0, text.length() - 1);
    }
    return Arrays.stream(text.split("\n", -1)).map(String::stripTrailing).toList();
  }

  /**
   * The display rows inside the panel's box in a captured pane (between its side borders, trailing
   * blanks dropped); empty when no box is shown.
   */
  public static List<String> boxRows(List<String> pane) {
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < pane.size(); i++) {
      String line = pane.get(i);
      int left = firstCorner(line);
      if (left < 0) {
        continue;
      }
      int right = Math.max(line.lastIndexOf('+'), line.lastIndexOf('\u2510'));
      for (int j = i + 1; j < pane.size(); j++) {
        String row = pane.get(j);
        if (row.length() <= left || (row.charAt(left) != '|' && row.charAt(left) != '\u2502')) {
          break;
        }
        int end = Math.min(right, row.length());
        rows.add(row.substring(left + 1, Math.max(left + 1, end)).stripTrailing());
      }
      return rows;
    }
    return rows;
  }

  private static int firstCorner(String line) {
    String trimmed = line.stripLeading();
    int left = line.length() - trimmed.length();
    if (trimmed.length() > 2 && (trimmed.startsWith("+-") || trimmed.startsWith("\u250c\u2500"))) {
      return left;
    }
    return -1;
  }

  /** The pane's text with its colours and attributes as SGR escape sequences. */
  public String captureWithEscapes() throws IOException {
    return run(socket, "capture-pane", "-p", "-e", "-t", TARGET);
  }

  /** Sends tmux key names ({@code Enter}, {@code Escape}, {@code F1}, {@code m}). */
  public void sendKeys(String... keys) throws IOException {
    List<String> args = new ArrayList<>(List.of("send-keys", "-t", TARGET));
    args.addAll(List.of(keys));
    run(socket, args.toArray(String[]::new));
  }

  /** Sends {@code text} as it is, byte for byte (escape sequences included). */
  public void sendLiteral(String text) throws IOException {
    run(socket, "send-keys", "-l", "-t", TARGET, text);
  }

  /** Resizes the pane's window. */
  public void resize(int columns, int rows) throws IOException {
    run(
        socket,
        "resize-window",
        "-t",
        "panel",
        "-x",
        String.valueOf(columns),
        "-y",
        String.valueOf(rows));
  }

  /** The terminal goes away: the tmux server and its pane are killed. */
  public void kill() throws IOException {
    run(socket, "kill-server");
  }

  @Override
  public void close() {
    try {
      run(socket, "kill-server");
    } catch (IOException | RuntimeException e) {
      // already gone
    }
    try {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // left in /tmp
    }
  }

  private static String run(Path socket, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(List.of("tmux", "-S", socket.toString(), "-f", "/dev/null"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("TERM", "screen");
    builder.environment().remove("TMUX");
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    try (InputStream out = process.getInputStream()) {
      byte[] bytes = out.readAllBytes();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("tmux " + String.join(" ", args) + " did not finish");
      }
      String text = new String(bytes, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IOException("tmux " + String.join(" ", args) + " failed: " + text.strip());
      }
      return text;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }
}
