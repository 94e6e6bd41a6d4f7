package io.vpanel.driver.redfish;

import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.HardwareAlert;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Turns one Redfish record, an {@code Event.Events[]} member or a {@code LogEntry}, into a hardware
 * alert.
 *
 * <ul>
 *   <li>Severity: {@code MessageSeverity} (else {@code Severity}) {@code Critical} is CRITICAL;
 *       {@code Warning} is PREDICTIVE_FAILURE when the MessageId or Message speaks of a predictive
 *       failure, else WARNING; {@code OK} is INFO; anything else or nothing is WARNING.
 *   <li>Asserted or cleared: cleared when the MessageId's key ends in a clearing word ({@code
 *       ...Corrected}, {@code ...Cleared}, {@code ...Deasserted}, {@code ...Resolved}, {@code
 *       ...Restored}, {@code ...ChangedOK}, {@code ...Normal}), or when the severity is OK and the
 *       Message says resolved, cleared, corrected, restored or deasserted.
 *   <li>Id: {@code redfish:<origin>:<condition>}: the origin is the {@code OriginOfCondition} path
 *       (else the {@code SensorType}, else {@code system}); the condition is the MessageId without
 *       its registry version and with the asserting or clearing word taken off its key ({@code
 *       ResourceEvent.1.0.ResourceErrorsDetected} and {@code
 *       ResourceEvent.1.3.ResourceErrorsCorrected} both give {@code ResourceEvent.ResourceErrors}),
 *       so a clearing has the id of what it clears.
 *   <li>Component: the last two segments of the origin ({@code PowerSupplies 2}), else the sensor
 *       type; cause: the Message, printable and cut to {@value #MAX_CAUSE} characters, else the
 *       MessageId.
 * </ul>
 */
final class Classifier {
  static final int MAX_CAUSE = 200;

  /** Clearing endings of a message key, longest first; each maps to the word it takes off. */
  private static final List<String> CLEARING =
      List.of(
          "StatusChangedOK",
          "Deasserted",
          "Corrected",
          "Cleared",
          "Resolved",
          "Restored",
          "Normal",
          "OK");

  private static final List<String> ASSERTING =
      List.of(
          "StatusChangedCritical",
          "StatusChangedWarning",
          "Asserted",
          "Detected",
          "Exceeded",
          "Failed",
          "Failure",
          "Lost",
          "Critical",
          "Warning");

  private static final Pattern CLEAR_WORDS =
      Pattern.compile(
          "\\b(resolved|cleared|corrected|restored|deasserted|returned to normal)\\b",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern PREDICTIVE =
      Pattern.compile("predictive|predicted|\\bpfa\\b", Pattern.CASE_INSENSITIVE);

  private Classifier() {}

  /** What one record says; {@code id} empty when it is no record at all. */
  static HardwareAlert classify(JsonNode record, String source, Instant fallbackTime) {
    String messageId = text(record, "MessageId");
    String message = text(record, "Message");
    String severityText = text(record, "MessageSeverity");
    if (severityText.isEmpty()) {
      severityText = text(record, "Severity");
    }
    String origin = origin(record).orElse("");
    String sensor = text(record, "SensorType");
    String registryKey = key(messageId);
    boolean cleared = cleared(registryKey, severityText, message);
    AlertSeverity severity = severity(severityText, messageId, message);
    String where = !origin.isEmpty() ? origin : !sensor.isEmpty() ? sensor : "system";
    String id = "redfish:" + printable(where, 200) + ":" + condition(messageId, message);
    String component =
        !origin.isEmpty()
            ? component(origin)
            : !sensor.isEmpty() ? printable(sensor, 60) : "system";
    String cause = !message.isEmpty() ? printable(message, MAX_CAUSE) : printable(messageId, 120);
    if (cause.isBlank()) {
      cause = "Redfish record without a message";
    }
    Instant at = time(text(record, "EventTimestamp"));
    if (at == null) {
      at = time(text(record, "Created"));
    }
    return new HardwareAlert(
        id, source, severity, !cleared, component, cause, at == null ? fallbackTime : at);
  }

  static AlertSeverity severity(String severity, String messageId, String message) {
    return switch (severity.toLowerCase(Locale.ROOT)) {
      case "critical" -> AlertSeverity.CRITICAL;
      case "ok" -> AlertSeverity.INFO;
      default ->
          PREDICTIVE.matcher(messageId).find() || PREDICTIVE.matcher(message).find()
              ? AlertSeverity.PREDICTIVE_FAILURE
              : AlertSeverity.WARNING;
    };
  }

  static boolean cleared(String key, String severity, String message) {
    for (String ending : CLEARING) {
      if (key.endsWith(ending) && key.length() > ending.length()) {
        return true;
      }
    }
    return severity.equalsIgnoreCase("ok") && CLEAR_WORDS.matcher(message).find();
  }

  /** The MessageId without its version and without its asserting or clearing word. */
  static String condition(String messageId, String message) {
    if (messageId.isEmpty()) {
      return "message:" + Integer.toHexString(printable(message, MAX_CAUSE).hashCode());
    }
    String registry = registry(messageId);
    String key = key(messageId);
    for (List<String> words : List.of(CLEARING, ASSERTING)) {
      for (String word : words) {
        if (key.endsWith(word) && key.length() > word.length()) {
          key = key.substring(0, key.length() - word.length());
          return printable(registry.isEmpty() ? key : registry + "." + key, 120);
        }
      }
    }
    return printable(registry.isEmpty() ? key : registry + "." + key, 120);
  }

  /** {@code ResourceEvent.1.0.ResourceErrorsDetected}: {@code ResourceErrorsDetected}. */
  static String key(String messageId) {
    int dot = messageId.lastIndexOf('.');
    return dot < 0 ? messageId : messageId.substring(dot + 1);
  }

  /** {@code ResourceEvent.1.0.ResourceErrorsDetected}: {@code ResourceEvent}. */
  static String registry(String messageId) {
    int dot = messageId.indexOf('.');
    return dot < 0 ? "" : messageId.substring(0, dot);
  }

  /** The OriginOfCondition link of an event record or a log entry (under Links), if any. */
  static Optional<String> origin(JsonNode record) {
    for (JsonNode holder : List.of(record, record.path("Links"))) {
      JsonNode origin = holder.path("OriginOfCondition");
      String path = origin.isObject() ? text(origin, "@odata.id") : origin.asString("");
      if (!path.isEmpty()) {
        return Optional.of(path);
      }
    }
    return Optional.empty();
  }

  /** {@code /redfish/v1/Chassis/1/PowerSubsystem/PowerSupplies/2}: {@code PowerSupplies 2}. */
  static String component(String origin) {
    String path = origin;
    int hash = path.indexOf('#');
    String fragment = hash < 0 ? "" : path.substring(hash + 1);
    path = hash < 0 ? path : path.substring(0, hash);
    String[] parts = (fragment.isEmpty() ? path : fragment).replaceAll("/+$", "").split("/");
    String name =
        parts.length >= 2
            ? parts[parts.length - 2] + " " + parts[parts.length - 1]
            : parts[parts.length - 1];
    name = printable(name.trim(), 80);
    return name.isBlank() ? "system" : name;
  }

  static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isString() || value.isNumber() || value.isBoolean() ? value.asString() : "";
  }

  static Instant time(String text) {
    if (text.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Control and format characters as blanks, runs of blanks as one, cut to {@code max}. */
  static String printable(String text, int max) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), max));
    boolean blank = false;
    for (int i = 0; i < text.length() && out.length() < max; ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      int type = Character.getType(c);
      boolean control =
          Character.isISOControl(c)
              || type == Character.FORMAT
              || type == Character.SURROGATE
              || type == Character.UNASSIGNED
              || type == Character.PRIVATE_USE
              || Character.isWhitespace(c);
      if (control) {
        if (!blank && out.length() > 0) {
          out.append(' ');
        }
        blank = true;
      } else {
        if (out.length() + Character.charCount(c) > max) {
          break;
        }
        out.appendCodePoint(c);
        blank = false;
      }
    }
    return out.toString().strip();
  }
}
