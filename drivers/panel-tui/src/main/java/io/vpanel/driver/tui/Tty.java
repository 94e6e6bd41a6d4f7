package io.vpanel.driver.tui;

import com.googlecode.lanterna.TerminalSize;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One opened terminal: the device's input and output streams, in raw mode while open ({@code stty
 * raw -echo min 0 time 2}, so a read returns after 0.2 s of silence), and its window size. {@code
 * stty} runs with the device as its standard input. The owner is the driver's session thread; the
 * reader thread only reads {@link #in}.
 */
final class Tty implements AutoCloseable {
  /** What a terminal that does not know its size (a serial line) is taken to be. */
  static final TerminalSize SERIAL_DEFAULT = new TerminalSize(80, 24);

  private static final long STTY_TIMEOUT_SECONDS = 5;
  private static final int STTY_OUTPUT_LIMIT = 4096;

  private final String name;
  private final File device;
  private final InputStream in;
  private final OutputStream out;
  private final String saved;

  private Tty(String name, File device, InputStream in, OutputStream out, String saved) {
    this.name = name;
    this.device = device;
    this.in = in;
    this.out = out;
    this.saved = saved;
  }

  /** Opens {@code device} ({@link TuiSettings#CONSOLE} or a path); the message says what failed. */
  static Tty open(String device) throws IOException {
    if (device.equals(TuiSettings.CONSOLE)) {
      File none = null;
      String saved = saveAndMakeRaw(none, "the agent's console (standard input)");
      return new Tty(
          "the agent's console",
          null,
          new FileInputStream(FileDescriptor.in),
          new FileOutputStream(FileDescriptor.out),
          saved);
    }
    Path path = Path.of(device);
    String name = "terminal " + device;
    if (!Files.exists(path)) {
      throw new IOException(name + ": no such device");
    }
    File file = path.toFile();
    InputStream in;
    OutputStream out;
    try {
      in = new FileInputStream(file);
    } catch (FileNotFoundException e) {
      throw new IOException(name + ": " + openProblem(e), e);
    }
    try {
      out = new FileOutputStream(file);
    } catch (FileNotFoundException e) {
      in.close();
      throw new IOException(name + ": " + openProblem(e), e);
    }
    try {
      String saved = saveAndMakeRaw(file, name);
      return new Tty(name, file, in, out, saved);
    } catch (IOException e) {
      in.close();
      out.close();
      throw e;
    }
  }

  private static String openProblem(FileNotFoundException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("Permission denied")) {
      return "permission denied; add the agent's user to the device's group (dialout for a"
          + " serial line, tty for a console)";
    }
    int paren = message.lastIndexOf('(');
    return paren >= 0 ? message.substring(paren + 1).replace(")", "") : message;
  }

  private static String saveAndMakeRaw(File device, String name) throws IOException {
    String saved;
    try {
      saved = stty(device, "-g").strip();
    } catch (IOException e) {
      throw new IOException(name + " is not a usable terminal: " + e.getMessage(), e);
    }
    stty(device, "raw", "-echo", "min", "0", "time", "2");
    return saved;
  }

  String name() {
    return name;
  }

  InputStream in() {
    return in;
  }

  OutputStream out() {
    return out;
  }

  /**
   * The terminal's window size as its driver knows it (set by tmux, ssh or a terminal emulator, or
   * by {@code stty rows R cols C} on a serial line); {@link #SERIAL_DEFAULT} when it says 0 x 0.
   */
  TerminalSize size() throws IOException {
    String[] parts = stty(device, "size").strip().split("\\s+");
    if (parts.length != 2) {
      throw new IOException(name + ": stty size gave no size");
    }
    try {
      int rows = Integer.parseInt(parts[0]);
      int columns = Integer.parseInt(parts[1]);
      if (rows <= 0 || columns <= 0) {
        return SERIAL_DEFAULT;
      }
      return new TerminalSize(Math.min(columns, 1000), Math.min(rows, 1000));
    } catch (NumberFormatException e) {
      throw new IOException(name + ": stty size gave no size", e);
    }
  }

  /** Puts the terminal's modes back as they were and closes the streams. */
  @Override
  public void close() {
    try {
      stty(device, saved);
    } catch (IOException | RuntimeException e) {
      // the terminal is gone: nothing to restore
    }
    closeQuietly(in);
    closeQuietly(out);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // nothing to do
    }
  }

  private static String stty(File device, String... arguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("stty");
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectInput(
        device == null ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.from(device));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IOException("cannot run stty (" + e.getMessage() + "); install coreutils", e);
    }
    try (InputStream output = process.getInputStream()) {
      // stty writes a line at most, well within the pipe's buffer: wait first, then read
      if (!process.waitFor(STTY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("stty did not answer within " + STTY_TIMEOUT_SECONDS + " s");
      }
      byte[] bytes = output.readNBytes(STTY_OUTPUT_LIMIT);
      String text = new String(bytes, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IOException(text.strip().replaceAll("\\s+", " "));
      }
      return text;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stty ran", e);
    }
  }
}
