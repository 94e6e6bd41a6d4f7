package io.vpanel.driver.ipmi;

import io.vpanel.spi.alert.AlertSeverity;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a SEL record into what an alert says: severity, cause, and the condition's id. The tables
 * follow IPMI 2.0 tables 42-3 (event/reading type codes) and 42-3 sensor-specific offsets for the
 * common sensor types; anything not in them is INFO with the raw codes in its cause. The severity
 * of a deassertion is that of its assertion (so its id clears what the assertion raised).
 */
final class Classifier {
  private Classifier() {}

  /** What one record means. */
  record Meaning(String id, AlertSeverity severity, String cause) {}

  private record Entry(AlertSeverity severity, String cause) {}

  private static Entry e(AlertSeverity s, String cause) {
    return new Entry(s, cause);
  }

  private static final AlertSeverity I = AlertSeverity.INFO;
  private static final AlertSeverity W = AlertSeverity.WARNING;
  private static final AlertSeverity P = AlertSeverity.PREDICTIVE_FAILURE;
  private static final AlertSeverity C = AlertSeverity.CRITICAL;

  /** Sensor type names (IPMI table 42-3), for components without an SDR name. */
  static final Map<Integer, String> SENSOR_TYPES =
      Map.ofEntries(
          Map.entry(0x01, "Temperature"),
          Map.entry(0x02, "Voltage"),
          Map.entry(0x03, "Current"),
          Map.entry(0x04, "Fan"),
          Map.entry(0x05, "Physical Security"),
          Map.entry(0x06, "Platform Security"),
          Map.entry(0x07, "Processor"),
          Map.entry(0x08, "Power Supply"),
          Map.entry(0x09, "Power Unit"),
          Map.entry(0x0c, "Memory"),
          Map.entry(0x0d, "Drive Slot"),
          Map.entry(0x0f, "System Firmware"),
          Map.entry(0x10, "Event Logging"),
          Map.entry(0x12, "System Event"),
          Map.entry(0x13, "Critical Interrupt"),
          Map.entry(0x19, "Chip Set"),
          Map.entry(0x1b, "Cable"),
          Map.entry(0x23, "Watchdog"),
          Map.entry(0x28, "Management Subsystem"),
          Map.entry(0x2b, "Version Change"));

  /** Sensor-specific offsets (event type 0x6f), by sensor type then offset. */
  static final Map<Integer, Map<Integer, Entry>> SPECIFIC =
      Map.ofEntries(
          Map.entry(
              0x05,
              Map.of(
                  0, e(W, "chassis intrusion"),
                  1, e(W, "drive bay intrusion"),
                  4, e(W, "LAN leash lost"))),
          Map.entry(
              0x07,
              Map.ofEntries(
                  Map.entry(0, e(C, "internal error (IERR)")),
                  Map.entry(1, e(C, "thermal trip")),
                  Map.entry(2, e(C, "FRB1/BIST failure")),
                  Map.entry(3, e(C, "FRB2 hang in POST")),
                  Map.entry(4, e(C, "FRB3 processor startup failure")),
                  Map.entry(5, e(W, "configuration error")),
                  Map.entry(6, e(C, "uncorrectable CPU-complex error")),
                  Map.entry(7, e(I, "presence detected")),
                  Map.entry(8, e(W, "disabled")),
                  Map.entry(9, e(I, "terminator presence detected")),
                  Map.entry(10, e(W, "throttled")),
                  Map.entry(11, e(C, "uncorrectable machine check")),
                  Map.entry(12, e(W, "correctable machine check")))),
          Map.entry(
              0x08,
              Map.of(
                  0, e(I, "presence detected"),
                  1, e(C, "failure"),
                  2, e(P, "predictive failure"),
                  3, e(W, "input lost (AC/DC)"),
                  4, e(W, "input lost or out of range"),
                  5, e(W, "input out of range"),
                  6, e(W, "configuration error"),
                  7, e(I, "inactive (standby)"))),
          Map.entry(
              0x09,
              Map.of(
                  0, e(I, "powered off"),
                  1, e(I, "power cycle"),
                  2, e(W, "240VA power down"),
                  3, e(W, "interlock power down"),
                  4, e(W, "AC lost"),
                  5, e(W, "soft power control failure"),
                  6, e(C, "power unit failure"),
                  7, e(P, "predictive failure"))),
          Map.entry(
              0x0c,
              Map.ofEntries(
                  Map.entry(0, e(W, "correctable ECC")),
                  Map.entry(1, e(C, "uncorrectable ECC")),
                  Map.entry(2, e(C, "parity error")),
                  Map.entry(3, e(C, "memory scrub failed")),
                  Map.entry(4, e(W, "memory device disabled")),
                  Map.entry(5, e(P, "correctable ECC over threshold")),
                  Map.entry(6, e(I, "presence detected")),
                  Map.entry(7, e(W, "configuration error")),
                  Map.entry(8, e(I, "spare")),
                  Map.entry(9, e(W, "throttled")),
                  Map.entry(10, e(C, "critical overtemperature")))),
          Map.entry(
              0x0d,
              Map.of(
                  0, e(I, "drive present"),
                  1, e(C, "drive fault"),
                  2, e(P, "predictive failure"),
                  3, e(I, "hot spare"),
                  4, e(I, "consistency check in progress"),
                  5, e(W, "in critical array"),
                  6, e(C, "in failed array"),
                  7, e(I, "rebuild in progress"),
                  8, e(W, "rebuild aborted"))),
          Map.entry(
              0x0f,
              Map.of(0, e(W, "firmware error"), 1, e(I, "firmware hang"), 2, e(I, "progress"))),
          Map.entry(
              0x10,
              Map.of(
                  0, e(W, "correctable memory error logging disabled"),
                  1, e(I, "event type logging disabled"),
                  2, e(I, "log area reset/cleared"),
                  3, e(W, "all event logging disabled"),
                  4, e(W, "SEL full"),
                  5, e(W, "SEL almost full"),
                  6, e(W, "correctable machine check logging disabled"))),
          Map.entry(
              0x13,
              Map.ofEntries(
                  Map.entry(0, e(I, "front panel NMI")),
                  Map.entry(4, e(C, "PCI PERR")),
                  Map.entry(5, e(C, "PCI SERR")),
                  Map.entry(7, e(W, "bus correctable error")),
                  Map.entry(8, e(C, "bus uncorrectable error")),
                  Map.entry(9, e(C, "fatal NMI")),
                  Map.entry(10, e(C, "bus fatal error")),
                  Map.entry(11, e(W, "bus degraded")))),
          Map.entry(0x19, Map.of(0, e(W, "soft power control failure"), 1, e(C, "thermal trip"))),
          Map.entry(0x1b, Map.of(0, e(I, "connected"), 1, e(W, "configuration error"))));

  /** Generic discrete offsets, by event/reading type code 0x02-0x0c. */
  static final Map<Integer, Map<Integer, Entry>> GENERIC =
      Map.of(
          0x03, Map.of(0, e(I, "predictive failure deasserted"), 1, e(P, "predictive failure")),
          0x05, Map.of(0, e(I, "limit not exceeded"), 1, e(W, "limit exceeded")),
          0x04, Map.of(0, e(I, "performance met"), 1, e(W, "performance lags")),
          0x07,
              Map.of(
                  0, e(I, "transition to OK"),
                  1, e(W, "non-critical"),
                  2, e(C, "critical"),
                  3, e(C, "non-recoverable"),
                  4, e(W, "non-critical from more severe"),
                  5, e(C, "critical from non-recoverable"),
                  6, e(C, "non-recoverable"),
                  7, e(I, "monitor"),
                  8, e(I, "informational")),
          0x08, Map.of(0, e(I, "device absent"), 1, e(I, "device present")),
          0x0b,
              Map.of(
                  0, e(I, "fully redundant"),
                  1, e(W, "redundancy lost"),
                  2, e(W, "redundancy degraded"),
                  3, e(W, "non-redundant: sufficient resources"),
                  4, e(W, "non-redundant: sufficient resources"),
                  5, e(C, "non-redundant: insufficient resources"),
                  6, e(W, "redundancy degraded"),
                  7, e(W, "redundancy degraded")),
          0x0a,
              Map.of(
                  6, e(W, "degraded"),
                  8, e(W, "install error")));

  private static final String[] THRESHOLDS = {
    "lower non-critical going low",
    "lower non-critical going high",
    "lower critical going low",
    "lower critical going high",
    "lower non-recoverable going low",
    "lower non-recoverable going high",
    "upper non-critical going low",
    "upper non-critical going high",
    "upper critical going low",
    "upper critical going high",
    "upper non-recoverable going low",
    "upper non-recoverable going high"
  };

  /** What {@code r} (a system event record) means. */
  static Meaning classify(SelRecord r) {
    int type = r.eventType();
    int offset = r.offset();
    Entry entry = null;
    if (type == 0x01) {
      if (offset < THRESHOLDS.length) {
        int level = offset / 2 % 3; // 0 non-critical, 1 critical, 2 non-recoverable
        entry = new Entry(level == 0 ? W : C, THRESHOLDS[offset]);
      }
    } else if (type == 0x6f) {
      entry = SPECIFIC.getOrDefault(r.sensorType(), Map.of()).get(offset);
    } else if (type >= 0x02 && type <= 0x0c) {
      entry = GENERIC.getOrDefault(type, Map.of()).get(offset);
    }
    String id =
        String.format(
            Locale.ROOT,
            "sel:%04x:%02x:%02x:%02x:%d",
            r.generator(),
            r.sensorNumber(),
            r.sensorType(),
            type,
            offset);
    if (entry == null) {
      return new Meaning(
          id,
          I,
          String.format(
              Locale.ROOT,
              "sensor type 0x%02x event type 0x%02x offset %d (data %02x%02x%02x)",
              r.sensorType(),
              type,
              offset,
              r.data1(),
              r.data2(),
              r.data3()));
    }
    return new Meaning(id, entry.severity(), entry.cause());
  }

  /** An OEM record: INFO, its raw bytes in the cause, its record id as the condition's id. */
  static Meaning oem(SelRecord r) {
    return new Meaning(
        String.format(Locale.ROOT, "sel:oem:%02x:%04x", r.type(), r.id()),
        I,
        "OEM record type 0x" + String.format(Locale.ROOT, "%02x", r.type()) + " " + r.hex());
  }

  /** {@code Memory #0x02} for a sensor without an SDR name. */
  static String sensorLabel(int sensorType, int sensorNumber) {
    String kind =
        SENSOR_TYPES.getOrDefault(
            sensorType, String.format(Locale.ROOT, "Sensor type 0x%02x", sensorType));
    return String.format(Locale.ROOT, "%s #0x%02x", kind, sensorNumber);
  }
}
