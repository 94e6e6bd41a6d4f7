package io.vpanel.driver.sysfs;

import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the maintenance button from an evdev input device: {@code EV_KEY} records of the configured
 * code become presses (value 1) and releases (value 0); auto-repeat (value 2), other codes and
 * other event types are ignored. A missing, unreadable or vanished device is reported to {@link
 * Faults} and opened again after a back-off on the scheduler's clock (doubling from {@value
 * SysfsPanelSettings#FIRST_RETRY_MILLIS} ms), never in a busy loop.
 *
 * <p>The bytes come from an {@link EvdevSource}: {@code java.nio} ({@link Access#NIO}, {@code grab:
 * false}), or libc through JNA ({@link Access#GRAB}, {@code grab: true}: the device is grabbed with
 * {@code EVIOCGRAB}). Both feed the same parser, on a platform daemon thread of their own: a read
 * of a device (or FIFO) that waits for the next key pins a virtual thread's carrier for as long as
 * nobody presses it, and two such readers (this one and the terminal panel's) starved the agent of
 * both carriers on a 2-core machine.
 *
 * <p>Timestamps come from the scheduler: an event is stamped with the scheduler's time when its
 * read returned, less how much earlier the kernel stamped it than the newest event of the same read
 * (at most {@link #MAX_BATCH_SPREAD}), so a press and release read together keep their real
 * spacing. Stamps never go backwards.
 *
 * <p>State: {@code pressed}, {@code lastAt}, {@code backoff} and the buffer belong to the one
 * reader thread alive at a time (attempts are started one after another, never two at once).
 */
final class EvdevReader {
  private static final Logger log = LoggerFactory.getLogger(EvdevReader.class);
  static final String PART = "input";
  private static final Duration MAX_BATCH_SPREAD = Duration.ofSeconds(60);
  private static final int BUFFER_RECORDS = 64;

  /**
   * How {@link #close} waits for a native reader to leave (and so to release its grab): a few of
   * its poll timeouts.
   */
  static final Duration NATIVE_CLOSE_WAIT = Duration.ofMillis(4L * NativeEvdev.POLL_MILLIS);

  /** How the device is opened and read. */
  enum Access {
    /** {@code java.nio}, no grab ({@code grab: false}). */
    NIO,
    /** libc through JNA, grabbed with {@code EVIOCGRAB} ({@code grab: true}). */
    GRAB,
    /**
     * Tests only: the native open, poll and read of {@link #GRAB} without the {@code ioctl}, which
     * a FIFO refuses (there is no evdev device to grab where the tests run).
     */
    NATIVE_WITHOUT_GRAB;

    boolean isNative() {
      return this != NIO;
    }

    EvdevSource open(Path device) throws IOException {
      return switch (this) {
        case NIO -> EvdevSource.Nio.open(device);
        case GRAB -> NativeEvdev.open(device, true);
        case NATIVE_WITHOUT_GRAB -> NativeEvdev.open(device, false);
      };
    }
  }

  private final Path device;
  private final int keyCode;
  private final Scheduler scheduler;
  private final Faults faults;
  private final Consumer<ButtonEvent> sink;
  private final Duration maxBackoff;
  private final Access access;
  private final AtomicInteger attempts = new AtomicInteger();

  private volatile boolean closed;
  private volatile EvdevSource open;
  private volatile Thread thread;
  private volatile Scheduler.Cancellable retry;

  // owned by the reader thread of the current attempt
  private boolean pressed;
  private Instant lastAt = Instant.MIN;
  private Duration backoff = Duration.ofMillis(SysfsPanelSettings.FIRST_RETRY_MILLIS);
  private long garbageBytes;

  EvdevReader(
      Path device,
      int keyCode,
      Scheduler scheduler,
      Faults faults,
      Consumer<ButtonEvent> sink,
      Duration maxBackoff,
      Access access) {
    this.device = device;
    this.access = access;
    this.keyCode = keyCode;
    this.scheduler = scheduler;
    this.faults = faults;
    this.sink = sink;
    this.maxBackoff = maxBackoff;
  }

  void start() {
    attempt();
  }

  private void attempt() {
    if (closed) {
      return;
    }
    thread =
        Thread.ofPlatform().daemon().name("sysfs-panel-input " + device).start(this::attachAndRead);
  }

  /** How many times the device was tried (opened, or failed to open) so far. */
  int attempts() {
    return attempts.get();
  }

  private void attachAndRead() {
    String problem;
    attempts.incrementAndGet();
    try (EvdevSource source = access.open(device)) {
      open = source;
      if (closed) {
        return;
      }
      log.info(
          "input device {}: reading key code {}{}",
          device,
          keyCode,
          access == Access.GRAB ? ", grabbed exclusively" : "");
      faults.set(PART, Optional.empty());
      backoff = Duration.ofMillis(SysfsPanelSettings.FIRST_RETRY_MILLIS);
      read(source);
      problem = Problems.input(device, new EOFException());
    } catch (ClosedChannelException e) {
      if (closed) {
        return;
      }
      problem = Problems.input(device, e);
    } catch (IOException e) {
      problem = Problems.input(device, e);
    } catch (RuntimeException e) {
      log.error("input device {}: unexpected failure, reading it again", device, e);
      problem = "input device " + device + ": " + e;
    } finally {
      open = null;
    }
    if (closed) {
      return;
    }
    if (pressed) {
      // A hold must not outlive the device: core would confirm it with nobody holding the button.
      pressed = false;
      log.warn("input device {}: gone while the button was down; reporting a release", device);
      emit(ButtonEvent.maintenance(false, stamp(scheduler.now())));
    }
    faults.set(PART, Optional.of(problem));
    Duration wait = backoff;
    backoff =
        backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    retry = scheduler.schedule(wait, this::attempt);
  }

  /** Reads records until end of input; throws when a read fails. */
  private void read(EvdevSource source) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(InputEvent.SIZE * BUFFER_RECORDS);
    while (!closed) {
      int n = source.read(buffer, () -> closed);
      if (n < 0) {
        if (buffer.position() > 0) {
          log.warn(
              "input device {}: {} bytes of a truncated record at end of input, dropped",
              device,
              buffer.position());
        }
        return;
      }
      buffer.flip();
      List<InputEvent> events = parse(buffer);
      buffer.compact();
      if (!events.isEmpty()) {
        deliver(events, scheduler.now());
      }
    }
  }

  /**
   * Whole plausible records from the buffer; skips bytes that cannot start one. Package-private for
   * the fuzz test (EvdevFuzzTest), as is {@link #deliver}.
   */
  List<InputEvent> parse(ByteBuffer buffer) {
    List<InputEvent> events = new ArrayList<>();
    while (buffer.remaining() >= InputEvent.SIZE) {
      InputEvent event = InputEvent.peek(buffer);
      if (event.plausible()) {
        if (garbageBytes > 0) {
          log.warn(
              "input device {}: skipped {} bytes that are not input_event records",
              device,
              garbageBytes);
          garbageBytes = 0;
        }
        buffer.position(buffer.position() + InputEvent.SIZE);
        events.add(event);
      } else {
        buffer.position(buffer.position() + 1);
        garbageBytes++;
      }
    }
    return events;
  }

  void deliver(List<InputEvent> events, Instant readAt) {
    long newest = events.getLast().timeMicros();
    for (InputEvent event : events) {
      if (event.type() != InputEvent.EV_KEY || event.code() != keyCode) {
        continue;
      }
      boolean down;
      if (event.value() == InputEvent.PRESSED) {
        down = true;
      } else if (event.value() == InputEvent.RELEASED) {
        down = false;
      } else {
        continue; // auto-repeat: the button is still down
      }
      if (down == pressed) {
        continue; // a second press without release (or the reverse) after a lost record
      }
      pressed = down;
      long earlier = newest - event.timeMicros();
      Instant at = readAt;
      if (earlier > 0 && earlier <= MAX_BATCH_SPREAD.toNanos() / 1000) {
        at = readAt.minusNanos(earlier * 1000);
      }
      emit(ButtonEvent.maintenance(down, stamp(at)));
    }
  }

  private Instant stamp(Instant at) {
    Instant result = at.isBefore(lastAt) ? lastAt : at;
    lastAt = result;
    return result;
  }

  private void emit(ButtonEvent event) {
    if (!closed) {
      sink.accept(event);
    }
  }

  /**
   * Stops reading. With {@code java.nio} it returns at once: a read blocked in the kernel is left
   * to return with the device's next record or its end (closing the channel under it would wait for
   * that read); the reader then sees {@code closed}, reports nothing and closes the device. A
   * native reader polls with a timeout and sees {@code closed} within {@value
   * NativeEvdev#POLL_MILLIS} ms; close waits for it (at most {@link #NATIVE_CLOSE_WAIT}), so the
   * grab is released when close returns. An open that waits for a FIFO's writer is let go.
   */
  void close() {
    closed = true;
    Scheduler.Cancellable pending = retry;
    if (pending != null) {
      pending.cancel();
    }
    if (open == null) {
      releaseFifoOpen();
    }
    Thread reader = thread;
    if (access.isNative() && reader != null && reader != Thread.currentThread()) {
      try {
        if (!reader.join(NATIVE_CLOSE_WAIT)) {
          log.warn(
              "input device {}: the reader did not stop within {} ms", device, NATIVE_CLOSE_WAIT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The thread of the newest attempt (tests look at whether it has ended). */
  Thread thread() {
    return thread;
  }

  /**
   * Opening a FIFO for reading waits for a writer; opening it read-write here (which never waits on
   * Linux) lets that open return, and the reader sees {@code closed} and goes.
   */
  private void releaseFifoOpen() {
    try {
      if (Files.exists(device, LinkOption.NOFOLLOW_LINKS)
          && !Files.isDirectory(device)
          && !Files.isRegularFile(device)
          && isFifo(device)) {
        try (FileChannel unblock =
            FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          log.debug("released a pending open of FIFO {}", device);
        }
      }
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("releasing a pending open of {}", device, e);
    }
  }

  private static boolean isFifo(Path path) throws IOException {
    Object mode = Files.getAttribute(path, "unix:mode");
    return mode instanceof Integer bits && (bits & 0170000) == 0010000;
  }
}
