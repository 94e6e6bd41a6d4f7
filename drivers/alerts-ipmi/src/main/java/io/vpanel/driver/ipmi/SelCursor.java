package io.vpanel.driver.ipmi;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the source stands in the SEL: the last record handled, and the SEL's last-erase timestamp
 * when it was read. As text: {@code sel1:<record id hex>:<erase ts hex>:<record ts hex>}, for
 * example {@code sel1:0007:ffffffff:6b0f7d3f}. Record id 0 means "before the first record".
 */
record SelCursor(int recordId, long eraseTimestamp, long recordTimestamp) {
  private static final Pattern TEXT =
      Pattern.compile("sel1:([0-9a-f]{4}):([0-9a-f]{8}):([0-9a-f]{8})");

  String text() {
    return String.format(
        Locale.ROOT, "sel1:%04x:%08x:%08x", recordId, eraseTimestamp, recordTimestamp);
  }

  /** The cursor in {@code text}, or empty when it is not one of ours. */
  static Optional<SelCursor> parse(String text) {
    if (text == null || text.length() > 64) {
      return Optional.empty();
    }
    Matcher m = TEXT.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new SelCursor(
            Integer.parseInt(m.group(1), 16),
            Long.parseLong(m.group(2), 16),
            Long.parseLong(m.group(3), 16)));
  }
}
