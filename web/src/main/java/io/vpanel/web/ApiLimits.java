package io.vpanel.web;

/**
 * The fixed size limits of every input the API reads, and how the API quotes input back in an
 * error: short and printable, so an error never echoes kilobytes or control characters.
 */
final class ApiLimits {
  /** A request body (JSON). */
  static final int MAX_BODY_BYTES = 64 * 1024;

  /** The request line: method, path and query. */
  static final int MAX_REQUEST_LINE_BYTES = 8 * 1024;

  /** All request headers together (the request line included, as Jetty counts). */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  /** What an error message quotes of the input. */
  static final int MAX_QUOTED = 64;

  /** An error message in all. */
  static final int MAX_ERROR_MESSAGE = 400;

  /** Bytes Jetty buffers per response before it writes to the socket. */
  static final int OUTPUT_BUFFER_BYTES = 8 * 1024;

  private ApiLimits() {}

  /**
   * {@code input} as an error may quote it: at most {@value #MAX_QUOTED} characters (then {@code
   * ...}), control characters and unpaired surrogates shown as {@code ?}.
   */
  static String quote(String input) {
    if (input == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < input.length() && out.length() < MAX_QUOTED) {
      int c = input.codePointAt(i);
      int width = Character.charCount(c);
      boolean unpaired = c <= Character.MAX_VALUE && Character.isSurrogate((char) c);
      if (Character.isISOControl(c) || unpaired || Character.getType(c) == Character.FORMAT) {
        out.append('?');
      } else {
        if (out.length() + width > MAX_QUOTED) {
          break;
        }
        out.appendCodePoint(c);
      }
      i += width;
    }
    return i < input.length() ? out + "..." : out.toString();
  }

  /** {@code message} bounded to {@value #MAX_ERROR_MESSAGE} characters, printable. */
  static String message(String message) {
    String text = message == null ? "error" : message;
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      int c = text.codePointAt(i);
      // A pair is kept whole or left out: the bound holds (found by fuzzing: 401 + "...").
      if (out.length() + Character.charCount(c) > MAX_ERROR_MESSAGE) {
        break;
      }
      // An unpaired surrogate is no text either (found by fuzzing: it was passed through).
      boolean unpaired = c <= Character.MAX_VALUE && Character.isSurrogate((char) c);
      out.appendCodePoint(Character.isISOControl(c) ? ' ' : unpaired ? '?' : c);
      i += Character.charCount(c);
    }
    return i < text.length() ? out + "..." : out.toString();
  }
}
