package io.vpanel.driver.sysfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One LED class device, {@code ledRoot/NAME}: its {@code brightness}, {@code max_brightness},
 * {@code trigger} (with {@code delay_on}/{@code delay_off} under the {@code timer} trigger) and,
 * for a multicolour LED, {@code multi_index}/{@code multi_intensity}. It writes a file only when
 * the value differs from what this LED last wrote or read there. Owned by the LED thread.
 */
final class SysfsLed {
  /** What an LED should show. */
  enum Mode {
    OFF,
    STEADY,
    FLASHING
  }

  /** Longest file this driver reads from sysfs (a {@code trigger} list is about 1 KiB). */
  private static final int MAX_READ = 16 * 1024;

  final String name;
  final String indicator;
  final Path dir;

  private boolean attached;
  private int maxBrightness;
  private boolean timer;
  private List<String> channels = List.of();
  private final Map<String, String> known = new HashMap<>();

  SysfsLed(String name, String indicator, Path root) {
    this.name = name;
    this.indicator = indicator;
    this.dir = root.resolve(name);
  }

  String part() {
    return "led " + name;
  }

  boolean attached() {
    return attached;
  }

  /** True once attached when the kernel offers the {@code timer} trigger for this LED. */
  boolean hasTimer() {
    return timer;
  }

  /** The colour channels of a multicolour LED in {@code multi_index} order; empty otherwise. */
  List<String> channels() {
    return channels;
  }

  /** Reads what the LED is and what it shows now. */
  void attach() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString());
    }
    known.clear();
    String max = read("max_brightness");
    try {
      maxBrightness = Integer.parseInt(max);
    } catch (NumberFormatException e) {
      throw new IOException(dir.resolve("max_brightness") + " holds '" + max + "', not a number");
    }
    if (maxBrightness < 1) {
      throw new IOException(dir.resolve("max_brightness") + " is " + maxBrightness);
    }
    String triggers = read("trigger");
    timer = false;
    String current = "none";
    for (String each : triggers.split("\\s+")) {
      String plain = each;
      if (each.startsWith("[") && each.endsWith("]")) {
        plain = each.substring(1, each.length() - 1);
        current = plain;
      }
      timer |= plain.equals("timer");
    }
    known.put("trigger", current);
    known.put("brightness", read("brightness"));
    channels = List.of();
    if (Files.exists(dir.resolve("multi_index"))) {
      channels = List.of(read("multi_index").split("\\s+"));
      known.put("multi_intensity", read("multi_intensity"));
    }
    attached = true;
  }

  /** Forgets the device: the next {@link #attach} reads it again. */
  void detach() {
    attached = false;
    known.clear();
  }

  /**
   * Shows {@code mode} with the channels in {@code lit} (multicolour LEDs; ignored otherwise) at
   * full brightness; a flashing LED without the timer trigger shows {@code softwarePhaseOn}.
   */
  void show(
      Mode mode, List<String> lit, boolean softwarePhaseOn, int delayOnMillis, int delayOffMillis)
      throws IOException {
    if (!channels.isEmpty()) {
      int[] intensities = new int[channels.size()];
      for (int i = 0; i < intensities.length; i++) {
        intensities[i] = mode != Mode.OFF && lit.contains(channels.get(i)) ? maxBrightness : 0;
      }
      write(
          "multi_intensity",
          String.join(" ", Arrays.stream(intensities).mapToObj(Integer::toString).toList()));
    }
    String on = Integer.toString(maxBrightness);
    if (mode == Mode.FLASHING && timer) {
      if (!"timer".equals(known.get("trigger"))) {
        write("brightness", on);
        write("trigger", "timer");
        // The kernel makes delay_on/delay_off afresh for a new timer trigger.
        known.remove("delay_on");
        known.remove("delay_off");
      }
      write("delay_on", Integer.toString(delayOnMillis));
      write("delay_off", Integer.toString(delayOffMillis));
      write("brightness", on);
      return;
    }
    if (!"none".equals(known.get("trigger"))) {
      write("trigger", "none");
      // Leaving a trigger turns the LED off in the kernel; write the brightness again.
      known.remove("brightness");
    }
    boolean lightOn = mode == Mode.STEADY || (mode == Mode.FLASHING && softwarePhaseOn);
    write("brightness", lightOn ? on : "0");
  }

  /** What this LED last wrote or read in {@code file}, if anything. */
  Optional<String> known(String file) {
    return Optional.ofNullable(known.get(file));
  }

  private void write(String file, String value) throws IOException {
    if (value.equals(known.get(file))) {
      return;
    }
    known.remove(file);
    Files.writeString(
        dir.resolve(file),
        value + "\n",
        StandardCharsets.US_ASCII,
        StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    known.put(file, value);
  }

  private String read(String file) throws IOException {
    Path path = dir.resolve(file);
    byte[] bytes;
    try (var in = Files.newInputStream(path)) {
      bytes = in.readNBytes(MAX_READ);
    }
    return new String(bytes, StandardCharsets.US_ASCII).strip();
  }
}
