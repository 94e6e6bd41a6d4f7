package io.vpanel.driver.lcdproc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads LCDd's replies line by line, each at most {@code maxBytes} long: a longer line is skipped
 * to its end and reported as {@link #overlong}, so a peer that never sends a newline costs at most
 * that much memory. Bytes are read as ISO-8859-1 (LCDd sends ASCII). One reader thread only.
 */
final class LineReader {
  /** Stands for a line that was longer than the limit and was skipped. */
  private static final String OVERLONG = new String("<overlong line>");

  private final InputStream in;
  private final int maxBytes;
  private final byte[] buffer = new byte[8192];
  private int start;
  private int end;

  LineReader(InputStream in, int maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** True for what {@link #next} returns for a line longer than the limit. */
  static boolean overlong(String line) {
    return line == OVERLONG;
  }

  /** The next line without its line end ({@code \n} or {@code \r\n}), or null at the end. */
  String next() throws IOException {
    byte[] line = new byte[Math.min(maxBytes, 256)];
    int length = 0;
    boolean overlong = false;
    while (true) {
      if (start == end) {
        int read = in.read(buffer);
        if (read < 0) {
          return null; // a half line at the end is dropped: LCDd never ends without a newline
        }
        start = 0;
        end = read;
      }
      byte b = buffer[start++];
      if (b == '\n') {
        if (overlong) {
          return OVERLONG;
        }
        if (length > 0 && line[length - 1] == '\r') {
          length--;
        }
        return new String(line, 0, length, StandardCharsets.ISO_8859_1);
      }
      if (overlong) {
        continue;
      }
      if (length == maxBytes) {
        overlong = true;
        continue;
      }
      if (length == line.length) {
        line = java.util.Arrays.copyOf(line, Math.min(maxBytes, line.length * 2));
      }
      line[length++] = b;
    }
  }
}
