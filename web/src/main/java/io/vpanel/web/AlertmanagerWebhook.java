package io.vpanel.web;

import io.vpanel.spi.management.NoticeSeverity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Alertmanager's webhook payload (version 4), read and checked whole before anything is shown: a
 * malformed payload is refused with the reason and changes nothing. Each alert becomes what the
 * receiver does with it: a notice for a firing alert, a withdrawal for a resolved one, both under
 * the key {@code alertmanager:<fingerprint>}; an alert whose labels name no known host is skipped
 * with the reason.
 */
final class AlertmanagerWebhook {
  static final int MAX_NOTICE_LENGTH = 200;
  static final int MAX_FROM_LENGTH = 64;
  static final int MAX_ALERTS = 1000;
  private static final Pattern HOST_PORT = Pattern.compile("^([^:\\[\\]]+):[0-9]{1,5}$");
  private static final Pattern BRACKETED =
      Pattern.compile("^\\[([0-9A-Fa-f:.]+)\\](?::[0-9]{1,5})?$");
  private static final Pattern IPV4 = Pattern.compile("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$");

  /** A notification: its receiver and its alerts. */
  record Payload(String receiver, List<Alert> alerts) {
    /** {@code alertmanager:<receiver>}, the notices' sender. */
    String from() {
      String from = "alertmanager:" + receiver;
      return from.length() <= MAX_FROM_LENGTH ? from : from.substring(0, MAX_FROM_LENGTH);
    }
  }

  /**
   * One alert as the receiver reads it.
   *
   * @param firing firing, else resolved
   * @param fingerprint Alertmanager's fingerprint, or one made from the labels when it has none
   * @param labels its labels
   * @param text what the notice says: {@code summary}, else {@code description}, else the alert's
   *     name, made printable and at most 200 characters
   * @param severity from the {@code severity} label; warning when it has none or another
   * @param endsAt its end, when it gives one (Alertmanager gives none for a firing alert)
   */
  record Alert(
      boolean firing,
      String fingerprint,
      Map<String, String> labels,
      String text,
      NoticeSeverity severity,
      Optional<Instant> endsAt) {
    String key() {
      return "alertmanager:" + fingerprint;
    }
  }

  private AlertmanagerWebhook() {}

  static Payload parse(JsonNode body) {
    JsonNode version = body.get("version");
    if (version != null
        && !version.isNull()
        && !(version.isString() ? version.asString() : version.toString()).equals("4")) {
      throw new ApiServer.ApiError(
          400,
          "unsupported Alertmanager webhook version \""
              + ApiLimits.quote(version.toString())
              + "\" (this receiver reads version 4)");
    }
    String receiver = printable(string(body, "receiver", "the payload"));
    if (receiver == null || receiver.isEmpty()) {
      receiver = "webhook";
    }
    JsonNode alerts = body.get("alerts");
    if (alerts == null || !alerts.isArray()) {
      throw new ApiServer.ApiError(
          400, "body needs \"alerts\": [...] (Alertmanager's webhook payload, version 4)");
    }
    if (alerts.size() > MAX_ALERTS) {
      throw new ApiServer.ApiError(400, "at most " + MAX_ALERTS + " alerts in one notification");
    }
    List<Alert> read = new ArrayList<>();
    for (int i = 0; i < alerts.size(); i++) {
      read.add(alert(alerts.get(i), "alerts[" + i + "]"));
    }
    return new Payload(receiver, List.copyOf(read));
  }

  private static Alert alert(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new ApiServer.ApiError(400, where + " must be an object");
    }
    String status = string(node, "status", where);
    boolean firing;
    if ("firing".equals(status)) {
      firing = true;
    } else if ("resolved".equals(status)) {
      firing = false;
    } else {
      throw new ApiServer.ApiError(
          400,
          where
              + ".status must be \"firing\" or \"resolved\", not "
              + (status == null ? "missing" : "\"" + ApiLimits.quote(status) + "\""));
    }
    Map<String, String> labels = strings(node, "labels", where);
    Map<String, String> annotations = strings(node, "annotations", where);
    String fingerprint = string(node, "fingerprint", where);
    if (fingerprint == null || fingerprint.isEmpty()) {
      fingerprint = fingerprintOf(labels);
    } else if (!fingerprint.matches("[0-9A-Za-z]{1,64}")) {
      throw new ApiServer.ApiError(
          400,
          where
              + ".fingerprint must be 1 to 64 letters and digits, not \""
              + ApiLimits.quote(fingerprint)
              + "\"");
    }
    String text = null;
    for (String candidate :
        new String[] {annotations.get("summary"), annotations.get("description")}) {
      text = printable(candidate);
      if (text != null && !text.isEmpty()) {
        break;
      }
    }
    if (text == null || text.isEmpty()) {
      text = printable(labels.get("alertname"));
    }
    if (text == null || text.isEmpty()) {
      text = "alert " + fingerprint;
    }
    if (text.length() > MAX_NOTICE_LENGTH) {
      int end = MAX_NOTICE_LENGTH - 3;
      if (Character.isHighSurrogate(text.charAt(end - 1))) {
        end--; // never half a surrogate pair
      }
      text = text.substring(0, end) + "...";
    }
    NoticeSeverity severity =
        Optional.ofNullable(labels.get("severity"))
            .flatMap(s -> NoticeSeverity.parse(s.trim()))
            .orElse(NoticeSeverity.WARNING);
    Optional<Instant> endsAt =
        Optional.ofNullable(string(node, "endsAt", where)).map(t -> time(t, where));
    return new Alert(firing, fingerprint, labels, text, severity, endsAt);
  }

  /**
   * The host {@code alert} names: the first of {@code hostLabels} whose value, as it is, without a
   * port, or without its domain, is a host {@code known} says this agent knows.
   */
  static Optional<String> host(Alert alert, List<String> hostLabels, Predicate<String> known) {
    for (String label : hostLabels) {
      String value = alert.labels().get(label);
      if (value == null || value.isBlank()) {
        continue;
      }
      for (String candidate : candidates(value.trim())) {
        if (known.test(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private static List<String> candidates(String value) {
    List<String> names = new ArrayList<>();
    names.add(value);
    String bare = value;
    Matcher bracketed = BRACKETED.matcher(value);
    Matcher hostPort = HOST_PORT.matcher(value);
    if (bracketed.matches()) {
      bare = bracketed.group(1);
    } else if (hostPort.matches()) {
      bare = hostPort.group(1);
    }
    names.add(bare);
    if (bare.contains(".") && !IPV4.matcher(bare).matches() && !bare.contains(":")) {
      names.add(bare.substring(0, bare.indexOf('.')));
    }
    List<String> all = new ArrayList<>();
    for (String name : names) {
      if (!all.contains(name)) {
        all.add(name);
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (!all.contains(lower)) {
        all.add(lower);
      }
    }
    return all;
  }

  /** What a label set's alert is called when the payload gives no fingerprint. */
  private static String fingerprintOf(Map<String, String> labels) {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(labels).forEach((k, v) -> text.append(k).append('\0').append(v).append('\0'));
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(text.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * {@code text} for a panel and the log: control, formatting and unpaired surrogate characters
   * become spaces, runs of white space one space; null stays null.
   */
  static String printable(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), 4 * MAX_NOTICE_LENGTH));
    boolean space = false;
    for (int i = 0; i < text.length() && out.length() <= 4 * MAX_NOTICE_LENGTH; ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      boolean unpaired = c <= Character.MAX_VALUE && Character.isSurrogate((char) c);
      if (Character.isISOControl(c)
          || unpaired
          || Character.getType(c) == Character.FORMAT
          || Character.isWhitespace(c)
          || Character.isSpaceChar(c)) {
        space = out.length() > 0;
        continue;
      }
      if (space) {
        out.append(' ');
        space = false;
      }
      out.appendCodePoint(c);
    }
    return out.toString();
  }

  private static String string(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isString()) {
      throw new ApiServer.ApiError(400, where + "." + field + " must be a string");
    }
    return value.asString();
  }

  private static Map<String, String> strings(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return Map.of();
    }
    if (!value.isObject()) {
      throw new ApiServer.ApiError(400, where + "." + field + " must be an object of strings");
    }
    Map<String, String> map = new TreeMap<>();
    for (Map.Entry<String, JsonNode> entry : value.properties()) {
      if (!entry.getValue().isString()) {
        throw new ApiServer.ApiError(
            400, where + "." + field + "." + ApiLimits.quote(entry.getKey()) + " must be a string");
      }
      map.put(entry.getKey(), entry.getValue().asString());
    }
    return map;
  }

  private static Instant time(String text, String where) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new ApiServer.ApiError(
          400, where + ".endsAt must be an RFC 3339 time, not \"" + ApiLimits.quote(text) + "\"");
    }
  }
}
