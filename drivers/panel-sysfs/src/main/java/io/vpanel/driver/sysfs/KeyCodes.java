package io.vpanel.driver.sysfs;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Linux input key codes by name ({@code linux/input-event-codes.h}), the common few. */
final class KeyCodes {
  /** The largest key code ({@code KEY_MAX}). */
  static final int KEY_MAX = 0x2ff;

  static final Map<String, Integer> NAMES = table();

  private KeyCodes() {}

  private static Map<String, Integer> table() {
    Map<String, Integer> names = new TreeMap<>();
    names.put("KEY_ESC", 1);
    names.put("KEY_ENTER", 28);
    names.put("KEY_SPACE", 57);
    names.put("KEY_M", 50);
    int[] f1to10 = {59, 60, 61, 62, 63, 64, 65, 66, 67, 68};
    for (int i = 0; i < f1to10.length; i++) {
      names.put("KEY_F" + (i + 1), f1to10[i]);
    }
    names.put("KEY_F11", 87);
    names.put("KEY_F12", 88);
    for (int i = 13; i <= 24; i++) {
      names.put("KEY_F" + i, 183 + i - 13);
    }
    names.put("KEY_POWER", 116);
    names.put("KEY_HELP", 138);
    names.put("KEY_SETUP", 141);
    names.put("KEY_PROG1", 148);
    names.put("KEY_PROG2", 149);
    names.put("KEY_PROG3", 202);
    names.put("KEY_PROG4", 203);
    names.put("KEY_VENDOR", 0x168);
    names.put("KEY_RESTART", 0x198);
    names.put("BTN_0", 0x100);
    names.put("BTN_1", 0x101);
    names.put("BTN_2", 0x102);
    names.put("BTN_3", 0x103);
    return Map.copyOf(names);
  }

  /** The code {@code key} names: a name from {@link #NAMES} (any case) or a number 1 to 767. */
  static int parse(String key) {
    String text = key.strip();
    if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
      int code;
      try {
        code = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        code = -1;
      }
      if (code >= 1 && code <= KEY_MAX) {
        return code;
      }
      throw new IllegalArgumentException(
          "key " + text + " is out of range: key codes are 1 to " + KEY_MAX);
    }
    Integer code = NAMES.get(text.toUpperCase(Locale.ROOT));
    if (code == null) {
      throw new IllegalArgumentException(
          "key '"
              + text
              + "' is not a known key name; give its number from linux/input-event-codes.h"
              + " (1 to "
              + KEY_MAX
              + ") or one of "
              + String.join(", ", new TreeMap<>(NAMES).keySet()));
    }
    return code;
  }
}
