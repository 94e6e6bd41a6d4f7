package io.vpanel.driver.sysfs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One {@code struct input_event} of 64-bit Linux: {@code struct timeval} (8-byte seconds, 8-byte
 * microseconds), u16 type, u16 code, s32 value; {@value #SIZE} bytes in the machine's byte order
 * (little-endian on x86_64 and arm64).
 *
 * @param seconds the kernel's timestamp, seconds part
 * @param micros the kernel's timestamp, microseconds part
 * @param type {@link #EV_SYN}, {@link #EV_KEY}, ...
 * @param code the key code for {@link #EV_KEY}
 * @param value for {@link #EV_KEY}: 1 press, 0 release, 2 auto-repeat
 */
record InputEvent(long seconds, long micros, int type, int code, int value) {
  static final int SIZE = 24;
  static final int EV_SYN = 0x00;
  static final int EV_KEY = 0x01;
  static final int EV_MAX = 0x1f;
  static final int SYN_MAX = 0x0f;
  static final int RELEASED = 0;
  static final int PRESSED = 1;
  static final int REPEATED = 2;

  /** Seconds of a plausible timestamp: below 2^34 (the year 2514). */
  private static final long MAX_SECONDS = 1L << 34;

  /**
   * Reads the record at the buffer's position (which must have {@value #SIZE} bytes remaining)
   * without moving it.
   */
  static InputEvent peek(ByteBuffer buffer) {
    ByteBuffer view = buffer.duplicate().order(ByteOrder.nativeOrder());
    int at = view.position();
    return new InputEvent(
        view.getLong(at),
        view.getLong(at + 8),
        Short.toUnsignedInt(view.getShort(at + 16)),
        Short.toUnsignedInt(view.getShort(at + 18)),
        view.getInt(at + 20));
  }

  /** The record as the kernel writes it (tests write these into a FIFO). */
  static byte[] encode(InputEvent event) {
    ByteBuffer out = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
    out.putLong(event.seconds)
        .putLong(event.micros)
        .putShort((short) event.type)
        .putShort((short) event.code)
        .putInt(event.value);
    return out.array();
  }

  /**
   * True when this can be a record the kernel wrote: a timestamp with microseconds below a million,
   * a known event type, and for keys a code up to {@code KEY_MAX} and a value of 0, 1 or 2. Bytes
   * that are not whole records fail this almost always, which lets the reader find the next record.
   */
  boolean plausible() {
    if (seconds < 0 || seconds >= MAX_SECONDS || micros < 0 || micros >= 1_000_000) {
      return false;
    }
    if (type > EV_MAX) {
      return false;
    }
    if (type == EV_SYN) {
      return code <= SYN_MAX;
    }
    if (type == EV_KEY) {
      return code <= KeyCodes.KEY_MAX && value >= RELEASED && value <= REPEATED;
    }
    return true;
  }

  /** The kernel's timestamp in microseconds. */
  long timeMicros() {
    return seconds * 1_000_000 + micros;
  }
}
