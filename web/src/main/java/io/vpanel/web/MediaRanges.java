package io.vpanel.web;

import java.util.Locale;

/**
 * Reads an HTTP {@code Accept} header (RFC 9110, section 12.5.1): may a response of one media type
 * be sent to this client? The most specific range that matches the type decides ({@code
 * text/event-stream} over {@code text/*} over {@code *}{@code /*}), and a quality of 0 refuses. No
 * header accepts anything.
 */
final class MediaRanges {
  private MediaRanges() {}

  /** True when {@code accept} (null or blank: no header) lets the client take {@code mediaType}. */
  static boolean accepts(String accept, String mediaType) {
    if (accept == null || accept.isBlank()) {
      return true;
    }
    String[] wanted = mediaType.toLowerCase(Locale.ROOT).split("/", 2);
    int bestSpecificity = -1;
    double bestQuality = 0;
    for (String element : accept.split(",")) {
      String[] parts = element.split(";");
      if (parts.length == 0) {
        continue; // ";" alone: split gives no parts (found by fuzzing: it threw)
      }
      String range = parts[0].trim().toLowerCase(Locale.ROOT);
      if (range.isEmpty()) {
        continue;
      }
      String[] typeAndSub = range.split("/", 2);
      if (typeAndSub.length != 2) {
        continue; // not a media range; ignored as a server may
      }
      int specificity = specificity(typeAndSub, wanted);
      if (specificity < 0) {
        continue;
      }
      double quality = quality(parts);
      if (Double.isNaN(quality)) {
        continue; // a malformed weight: this range says nothing
      }
      if (specificity > bestSpecificity
          || (specificity == bestSpecificity && quality > bestQuality)) {
        bestSpecificity = specificity;
        bestQuality = quality;
      }
    }
    return bestSpecificity >= 0 && bestQuality > 0;
  }

  /** 2 for the type itself, 1 for {@code type/*}, 0 for {@code *}{@code /*}, -1 for no match. */
  private static int specificity(String[] range, String[] wanted) {
    if (range[0].equals("*") && range[1].equals("*")) {
      return 0;
    }
    if (!range[0].equals(wanted[0])) {
      return -1;
    }
    if (range[1].equals("*")) {
      return 1;
    }
    return range[1].equals(wanted[1]) ? 2 : -1;
  }

  /** The range's {@code q} (1 without one), or NaN when it is not a weight from 0 to 1. */
  private static double quality(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim();
      int equals = parameter.indexOf('=');
      if (equals < 0 || !parameter.substring(0, equals).trim().equalsIgnoreCase("q")) {
        continue;
      }
      String value = parameter.substring(equals + 1).trim();
      // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
      if (!value.matches("0(\\.\\d{0,3})?|1(\\.0{0,3})?")) {
        return Double.NaN;
      }
      return Double.parseDouble(value);
    }
    return 1;
  }
}
