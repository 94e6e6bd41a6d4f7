package io.vpanel.driver.ipmi;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sensor names from {@code ipmitool sdr elist all -v}, keyed by sensor type and number (a BMC may
 * reuse a number for sensors of other owners or types, so the number alone is not enough):
 *
 * <pre>
 * Sensor ID              : DIMM A1 (0x2)
 *  Sensor Type (Discrete): Memory (0x0c)
 * </pre>
 */
final class SdrNames {
  private static final Pattern ID =
      Pattern.compile("^Sensor ID\\s*:\\s*(.{1,64}?)\\s*\\(0x([0-9a-fA-F]{1,2})\\)\\s*$");
  private static final Pattern TYPE =
      Pattern.compile("^\\s*Sensor Type[^:]{0,20}:.*\\(0x([0-9a-fA-F]{1,2})\\)\\s*$");

  private SdrNames() {}

  static int key(int sensorType, int sensorNumber) {
    return sensorType << 8 | sensorNumber;
  }

  /** {@link #key} to name; lines that do not fit are skipped. */
  static Map<Integer, String> parse(String output) {
    Map<Integer, String> names = new HashMap<>();
    String name = null;
    int number = -1;
    for (String line : output.split("\n", 100_000)) {
      if (line.length() > RawOutput.MAX_LINE) {
        continue;
      }
      Matcher id = ID.matcher(line);
      if (id.matches()) {
        String n = id.group(1).strip();
        name = n.chars().allMatch(c -> c >= ' ' && c < 0x7f) && !n.isEmpty() ? n : null;
        number = Integer.parseInt(id.group(2), 16);
        continue;
      }
      if (line.isBlank()) {
        name = null;
        continue;
      }
      Matcher type = TYPE.matcher(line);
      if (type.matches() && name != null) {
        names.putIfAbsent(key(Integer.parseInt(type.group(1), 16), number), name);
        name = null;
      }
    }
    return names;
  }
}
