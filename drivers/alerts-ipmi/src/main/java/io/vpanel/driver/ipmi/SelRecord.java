package io.vpanel.driver.ipmi;

import java.util.HexFormat;
import java.util.Optional;

/**
 * One 16-byte SEL record as Get SEL Entry returns it (IPMI 2.0 section 32), with the id of the
 * record after it.
 *
 * @param next the id of the next record, 0xffff after the last
 * @param id this record's id
 * @param type 0x02 system event; 0xc0-0xdf OEM with timestamp; 0xe0-0xff OEM without
 * @param timestamp seconds since 1970 by the BMC's clock (below 0x20000000: since BMC start)
 * @param raw the 16 bytes
 */
record SelRecord(int next, int id, int type, long timestamp, byte[] raw) {
  static final int LAST = 0xffff;

  /** Timestamps up to this are "pre-init": time since the BMC started, not a date. */
  static final long PRE_INIT_MAX = 0x20000000L;

  int generator() {
    return u(7) | u(8) << 8;
  }

  int evmRevision() {
    return u(9);
  }

  int sensorType() {
    return u(10);
  }

  int sensorNumber() {
    return u(11);
  }

  /** Bit 7 of the event dir/type byte: 1 = deassertion. */
  boolean deassertion() {
    return (u(12) & 0x80) != 0;
  }

  /** The event/reading type code: 0x01 threshold, 0x02-0x0c generic, 0x6f sensor-specific. */
  int eventType() {
    return u(12) & 0x7f;
  }

  int data1() {
    return u(13);
  }

  int data2() {
    return u(14);
  }

  int data3() {
    return u(15);
  }

  /** The event offset (data1 bits 3-0). */
  int offset() {
    return data1() & 0x0f;
  }

  boolean systemEvent() {
    return type == 0x02;
  }

  String hex() {
    return HexFormat.of().formatHex(raw);
  }

  private int u(int i) {
    return raw[i] & 0xff;
  }

  /**
   * Parses ipmitool's printout of {@code raw 0x0a 0x43 ...}: 18 hex bytes (next id, then the
   * record), on one or more lines. Anything else is empty.
   */
  static Optional<SelRecord> parseGetEntry(String output) {
    Optional<byte[]> bytes = RawOutput.bytes(output, 18);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    byte[] b = bytes.get();
    byte[] record = new byte[16];
    System.arraycopy(b, 2, record, 0, 16);
    int next = (b[0] & 0xff) | (b[1] & 0xff) << 8;
    int id = (record[0] & 0xff) | (record[1] & 0xff) << 8;
    int type = record[2] & 0xff;
    long ts = type < 0xe0 ? RawOutput.le32(record, 3) : 0;
    return Optional.of(new SelRecord(next, id, type, ts, record));
  }
}
