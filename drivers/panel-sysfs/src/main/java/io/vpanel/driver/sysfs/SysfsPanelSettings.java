package io.vpanel.driver.sysfs;

import io.vpanel.spi.DriverSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of the sysfs panel, bound from its {@code panels:} entry ({@code driver: sysfs}).
 *
 * @param ledRoot the directory of the LED class devices; {@code /sys/class/leds} on a real host
 * @param leds which LED shows which indicator: keys {@code maintenance}, {@code managementLink},
 *     {@code pfaProtect}, {@code drs}, {@code ha}, {@code identify}; an indicator left out is not
 *     shown
 * @param inputDevice the evdev device of the maintenance button ({@code
 *     /dev/input/by-path/platform-button@1b-event}); empty for a panel without a button
 * @param key the key code of the maintenance button: a name ({@code KEY_PROG1}) or a number
 * @param flashOnMillis how long a flashing light is on per blink (the {@code timer} trigger's
 *     {@code delay_on}, or the software fallback's on phase)
 * @param flashOffMillis how long it is off per blink
 * @param reattachMaxMillis the longest wait between two attempts to reopen a missing input device
 *     or LED (the wait doubles from {@value #FIRST_RETRY_MILLIS} ms up to this)
 * @param grab whether to grab the input device exclusively ({@code EVIOCGRAB}, through libc with
 *     JNA), so no other reader (a console, a desktop session) gets the button's events; false reads
 *     it with plain {@code java.nio} and shares it
 */
public record SysfsPanelSettings(
    String ledRoot,
    Map<String, LedBinding> leds,
    String inputDevice,
    String key,
    int flashOnMillis,
    int flashOffMillis,
    int reattachMaxMillis,
    boolean grab)
    implements DriverSettings {

  public static final String DEFAULT_LED_ROOT = "/sys/class/leds";
  public static final String DEFAULT_KEY = "KEY_PROG1";
  public static final int FIRST_RETRY_MILLIS = 100;

  /** The indicators an LED can be given to, in the order of {@code PanelState}. */
  public static final List<String> INDICATORS =
      List.of("maintenance", "managementLink", "pfaProtect", "drs", "ha", "identify");

  private static final int MAX_PATH = 4096;

  public SysfsPanelSettings {
    if (ledRoot == null || ledRoot.isBlank()) {
      throw new IllegalArgumentException(
          "ledRoot must be the LED class directory, for example " + DEFAULT_LED_ROOT);
    }
    if (ledRoot.length() > MAX_PATH) {
      throw new IllegalArgumentException("ledRoot is longer than " + MAX_PATH + " characters");
    }
    Map<String, LedBinding> checked = new LinkedHashMap<>();
    if (leds != null) {
      leds.forEach(
          (indicator, binding) -> {
            if (!INDICATORS.contains(indicator)) {
              throw new IllegalArgumentException(
                  "leds: unknown indicator '"
                      + indicator
                      + "'; known: "
                      + String.join(", ", INDICATORS));
            }
            if (binding == null) {
              throw new IllegalArgumentException(
                  "leds: " + indicator + " needs led, or red and/or green");
            }
            binding.check("leds: " + indicator);
            checked.put(indicator, binding);
          });
    }
    leds = Map.copyOf(checked);
    inputDevice = inputDevice == null ? "" : inputDevice.strip();
    if (inputDevice.length() > MAX_PATH) {
      throw new IllegalArgumentException("inputDevice is longer than " + MAX_PATH + " characters");
    }
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException(
          "key must be a key name such as " + DEFAULT_KEY + " or a key code from 1 to 767");
    }
    key = key.strip();
    KeyCodes.parse(key); // throws with the reason
    delay("flashOnMillis", flashOnMillis);
    delay("flashOffMillis", flashOffMillis);
    if (reattachMaxMillis < FIRST_RETRY_MILLIS || reattachMaxMillis > 600_000) {
      throw new IllegalArgumentException(
          "reattachMaxMillis must be between "
              + FIRST_RETRY_MILLIS
              + " and 600000, was "
              + reattachMaxMillis);
    }
  }

  /** No LED and no button, the defaults of every other key. */
  public static SysfsPanelSettings defaults() {
    return new SysfsPanelSettings(
        DEFAULT_LED_ROOT, Map.of(), "", DEFAULT_KEY, 500, 500, 5000, false);
  }

  /** The key code {@link #key} names. */
  public int keyCode() {
    return KeyCodes.parse(key);
  }

  private static void delay(String name, int millis) {
    if (millis < 50 || millis > 10_000) {
      throw new IllegalArgumentException(
          name + " must be between 50 and 10000 (milliseconds), was " + millis);
    }
  }

  /**
   * The LED or LEDs of one indicator: either {@code led} (one LED; a multicolour LED with {@code
   * multi_intensity} shows every colour, a single-colour LED is lit for any colour) or {@code red}
   * and/or {@code green} (two single-colour LEDs: amber lights both).
   *
   * @param led the LED class device name of a single or multicolour LED
   * @param red the LED lit for red and amber
   * @param green the LED lit for green and amber
   */
  public record LedBinding(String led, String red, String green) {

    public static LedBinding single(String led) {
      return new LedBinding(led, null, null);
    }

    public static LedBinding pair(String red, String green) {
      return new LedBinding(null, red, green);
    }

    /** The LED names of this binding, in the order led, red, green. */
    public List<String> names() {
      List<String> names = new java.util.ArrayList<>();
      for (String each : new String[] {led, red, green}) {
        if (each != null) {
          names.add(each);
        }
      }
      return List.copyOf(names);
    }

    void check(String where) {
      boolean one = led != null;
      boolean two = red != null || green != null;
      if (one == two) {
        throw new IllegalArgumentException(
            where
                + " needs either led (one LED, single or multicolour) or red and/or green (two"
                + " single-colour LEDs), not "
                + (one ? "both" : "neither"));
      }
      for (String name : names()) {
        if (name.isBlank()
            || name.length() > 255
            || name.contains("/")
            || name.equals(".")
            || name.equals("..")
            || name.chars().anyMatch(c -> c < 0x20)) {
          throw new IllegalArgumentException(
              where
                  + ": '"
                  + name
                  + "' is not an LED name (a directory name under ledRoot, such as"
                  + " vpanel:green:maintenance)");
        }
      }
    }
  }
}
