package io.vpanel.driver.ipmi;

import java.util.Optional;

/** ipmitool's {@code raw} printout: hex bytes separated by blanks, 16 to a line. */
final class RawOutput {
  /** No raw answer line is this long; a longer one is not ipmitool's and is refused. */
  static final int MAX_LINE = 200;

  private RawOutput() {}

  /** Exactly {@code count} bytes, or empty when the text is anything but that many hex bytes. */
  static Optional<byte[]> bytes(String output, int count) {
    if (output == null) {
      return Optional.empty();
    }
    byte[] bytes = new byte[count];
    int n = 0;
    for (String line : output.split("\n", 64)) {
      if (line.length() > MAX_LINE) {
        return Optional.empty();
      }
      for (String token : line.strip().split("[ \t]+")) {
        if (token.isEmpty()) {
          continue;
        }
        if (token.length() != 2
            || Character.digit(token.charAt(0), 16) < 0
            || Character.digit(token.charAt(1), 16) < 0) {
          return Optional.empty();
        }
        if (n == count) {
          return Optional.empty();
        }
        bytes[n++] = (byte) Integer.parseInt(token, 16);
      }
    }
    return n == count ? Optional.of(bytes) : Optional.empty();
  }

  static long le32(byte[] b, int at) {
    return (b[at] & 0xffL)
        | (b[at + 1] & 0xffL) << 8
        | (b[at + 2] & 0xffL) << 16
        | (b[at + 3] & 0xffL) << 24;
  }
}
