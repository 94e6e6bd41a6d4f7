package io.vpanel.driver.ipmi;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sensor names from {@code ipmitool sdr elist all}: {@code DIMM A1 | 02h | ok | 32.1 | ...}. */
final class SdrNames {
  private static final Pattern LINE =
      Pattern.compile("^([^|]{1,64}?)\\s*\\|\\s*([0-9a-fA-F]{2})h\\s*\\|.*");

  private SdrNames() {}

  /** Sensor number to name; lines that do not look like an SDR line are skipped. */
  static Map<Integer, String> parse(String output) {
    Map<Integer, String> names = new HashMap<>();
    for (String line : output.split("\n", 4096)) {
      if (line.length() > RawOutput.MAX_LINE) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (m.matches()) {
        String name = m.group(1).strip();
        if (!name.isEmpty() && name.chars().allMatch(c -> c >= ' ' && c < 0x7f)) {
          names.putIfAbsent(Integer.parseInt(m.group(2), 16), name);
        }
      }
    }
    return names;
  }
}
