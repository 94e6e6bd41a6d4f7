package io.vpanel.driver.sysfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A directory laid out as the kernel lays out {@code /sys/class/leds}: one directory per LED with
 * {@code brightness}, {@code max_brightness}, {@code trigger} ({@code "[none] timer heartbeat"},
 * the bracket marking the current trigger), {@code delay_on}/{@code delay_off} and, for a
 * multicolour LED, {@code multi_index}/{@code multi_intensity}. Shared with the e2e module.
 */
public final class FakeSysfs {
  public static final String WITH_TIMER = "[none] timer heartbeat default-on";
  public static final String WITHOUT_TIMER = "[none] heartbeat default-on";

  private final Path root;

  public FakeSysfs(Path root) throws IOException {
    this.root = Files.createDirectories(root);
  }

  /** The directory to give the driver as {@code ledRoot}. */
  public Path root() {
    return root;
  }

  /** A single-colour LED with {@code max_brightness} 255 and the timer trigger. */
  public Path led(String name) throws IOException {
    return led(name, 255, WITH_TIMER, null);
  }

  /** A multicolour LED whose channels are {@code multiIndex} ("red green blue"). */
  public Path multicolour(String name, String multiIndex) throws IOException {
    return led(name, 255, WITH_TIMER, multiIndex);
  }

  public Path led(String name, int maxBrightness, String triggers, String multiIndex)
      throws IOException {
    Path dir = Files.createDirectories(root.resolve(name));
    write(dir, "brightness", "0");
    write(dir, "max_brightness", Integer.toString(maxBrightness));
    write(dir, "trigger", triggers);
    write(dir, "delay_on", "500");
    write(dir, "delay_off", "500");
    if (multiIndex != null) {
      write(dir, "multi_index", multiIndex);
      int channels = multiIndex.split(" ").length;
      write(dir, "multi_intensity", String.join(" ", java.util.Collections.nCopies(channels, "0")));
    }
    return dir;
  }

  /** What {@code file} of LED {@code name} holds now, without the newline; "?" when unreadable. */
  public String read(String name, String file) {
    try {
      return Files.readString(root.resolve(name).resolve(file), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return "?";
    }
  }

  /** The trigger {@code trigger} holds: the bracketed one of a list, or what was written. */
  public String trigger(String name) {
    String text = read(name, "trigger");
    int open = text.indexOf('[');
    int close = text.indexOf(']');
    return open >= 0 && close > open ? text.substring(open + 1, close) : text;
  }

  /** Writes {@code value} into {@code file} of LED {@code name} (as another writer would). */
  public void poke(String name, String file, String value) throws IOException {
    write(root.resolve(name), file, value);
  }

  /** Removes LED {@code name} (its driver was unloaded). */
  public void remove(String name) throws IOException {
    Path dir = root.resolve(name);
    try (var files = Files.list(dir)) {
      for (Path each : files.toList()) {
        Files.delete(each);
      }
    }
    Files.delete(dir);
  }

  private static void write(Path dir, String file, String value) throws IOException {
    Files.writeString(dir.resolve(file), value + "\n", StandardCharsets.US_ASCII);
  }
}
