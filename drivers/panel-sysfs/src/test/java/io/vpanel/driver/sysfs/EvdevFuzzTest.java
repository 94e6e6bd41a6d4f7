package io.vpanel.driver.sysfs;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.testkit.FuzzInputs;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the evdev record parsing of {@link EvdevReader} ({@code parse} and {@code deliver}, with
 * {@link InputEvent#peek}) as its read loop drives them: any bytes from the device, in reads of any
 * size. It never throws, always consumes the buffer down to less than one record, passes on only
 * plausible records, and reports only the configured key, as presses and releases taking turns (a
 * press first), stamped no later than the read and never going backwards. The first input byte
 * picks the key code (byte + 1), the second the read size; the rest is the device's bytes. See
 * docs/FUZZING.md.
 */
class EvdevFuzzTest {
  @FuzzTest(maxDuration = "2m")
  void records(FuzzedDataProvider data) {
    check(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRun() {
    FuzzInputs.run(getClass(), "records", 1500, EvdevFuzzTest::check);
  }

  static void check(byte[] input) {
    int keyCode = input.length > 0 ? (input[0] & 0xff) + 1 : 28;
    int readSize = input.length > 1 ? 1 + (input[1] & 0xff) * 4 : InputEvent.SIZE;
    byte[] device = input.length > 2 ? Arrays.copyOfRange(input, 2, input.length) : new byte[0];

    List<ButtonEvent> seen = new ArrayList<>();
    EvdevReader reader =
        new EvdevReader(
            Path.of("/dev/input/fuzz"),
            keyCode,
            null,
            new Faults(),
            seen::add,
            Duration.ofSeconds(1),
            EvdevReader.Access.NIO);
    ByteBuffer buffer = ByteBuffer.allocate(InputEvent.SIZE * 64);
    int at = 0;
    int reads = 0;
    int keyRecords = 0;
    Instant readAt = Instant.EPOCH;
    while (at < device.length) {
      int n = Math.min(Math.min(readSize, buffer.remaining()), device.length - at);
      buffer.put(device, at, n);
      at += n;
      readAt = Instant.ofEpochSecond(1_700_000_000L + reads++);
      buffer.flip();
      List<InputEvent> events = reader.parse(buffer);
      assertThat(buffer.remaining()).isLessThan(InputEvent.SIZE);
      for (InputEvent event : events) {
        assertThat(event.plausible()).isTrue();
        if (event.type() == InputEvent.EV_KEY
            && event.code() == keyCode
            && (event.value() == InputEvent.PRESSED || event.value() == InputEvent.RELEASED)) {
          keyRecords++;
        }
      }
      buffer.compact();
      if (!events.isEmpty()) {
        int before = seen.size();
        reader.deliver(events, readAt);
        for (ButtonEvent event : seen.subList(before, seen.size())) {
          assertThat(event.at()).isBeforeOrEqualTo(readAt);
        }
      }
      assertThat(buffer.position()).isLessThan(InputEvent.SIZE);
    }
    assertThat(seen.size()).isLessThanOrEqualTo(keyRecords);
    Instant last = Instant.MIN;
    for (int i = 0; i < seen.size(); i++) {
      ButtonEvent event = seen.get(i);
      assertThat(event.button()).isEqualTo(PanelButton.MAINTENANCE);
      assertThat(event)
          .isInstanceOf(i % 2 == 0 ? ButtonEvent.Pressed.class : ButtonEvent.Released.class);
      assertThat(event.at()).isAfterOrEqualTo(last);
      last = event.at();
    }
  }
}
