package io.vpanel.driver.sysfs;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Operator-readable reasons for what went wrong with a device file. */
final class Problems {
  static final String README = "drivers/panel-sysfs/README.md";

  private Problems() {}

  /** Why the input device {@code device} cannot be read, from the exception that said so. */
  static String input(Path device, IOException e) {
    String prefix = "input device " + device + ": ";
    if (e instanceof NativeEvdev.GrabRefused refused) {
      return prefix + grab(refused);
    }
    if (e instanceof NoSuchFileException) {
      return prefix
          + "missing (unplugged, or the path in inputDevice is wrong); waiting for it to appear";
    }
    if (e instanceof AccessDeniedException) {
      return prefix
          + "permission denied — add the agent's user to group input, or install the udev rule"
          + " in "
          + README;
    }
    if (e instanceof EOFException) {
      return prefix + "closed (end of input: the device went away); waiting for it to come back";
    }
    String reason = reason(e);
    if (reason.contains("Is a directory")) {
      return prefix + "is a directory, not an input device; check inputDevice";
    }
    if (reason.contains("No such device")) {
      return prefix + "vanished (no such device); waiting for it to come back";
    }
    return prefix + "cannot be read (" + reason + "); waiting for it to come back";
  }

  private static String grab(NativeEvdev.GrabRefused refused) {
    return switch (refused.errno()) {
      case NativeEvdev.ENOTTY, NativeEvdev.EINVAL ->
          "cannot grab it exclusively (not an evdev device: "
              + refused.errnoName()
              + "); set grab: false or point inputDevice at /dev/input/eventN";
      case NativeEvdev.EBUSY ->
          "another process holds it exclusively (EBUSY); stop it (e.g. a desktop session) or set"
              + " grab: false";
      default ->
          "cannot grab it exclusively ("
              + refused.errnoName()
              + "); set grab: false, or see "
              + README;
    };
  }

  /** Why the LED {@code name} of {@code indicator} cannot be used. */
  static String led(String name, String indicator, Path dir, IOException e) {
    String prefix = "LED " + name + " (" + indicator + "): ";
    if (e instanceof NoSuchFileException missing) {
      String file = missing.getFile();
      if (file == null || Path.of(file).equals(dir)) {
        return prefix
            + dir
            + " does not exist (check leds."
            + indicator
            + " and ledRoot, or load the LED's driver)";
      }
      return prefix + file + " does not exist: not an LED class device";
    }
    if (e instanceof AccessDeniedException denied) {
      return prefix
          + "permission denied writing "
          + (denied.getFile() == null ? dir : denied.getFile())
          + " — install the udev rule in "
          + README;
    }
    return prefix + "cannot be written (" + reason(e) + ")";
  }

  private static String reason(IOException e) {
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    return String.valueOf(e.getMessage());
  }
}
