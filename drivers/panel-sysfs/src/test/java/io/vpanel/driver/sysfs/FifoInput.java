package io.vpanel.driver.sysfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A FIFO made with {@code mkfifo} standing in for {@code /dev/input/eventN}: the test writes real
 * 24-byte {@code struct input_event} records (little-endian timeval seconds and microseconds, u16
 * type, u16 code, s32 value) into it. The writing end is opened read-write, which never waits for
 * the reader on Linux; {@link #close()} closes it, and the reader sees end of input (the device
 * went away). Shared with the e2e module.
 */
public final class FifoInput implements AutoCloseable {
  public static final int EV_SYN = 0;
  public static final int EV_KEY = 1;
  public static final int EV_MSC = 4;

  private final Path path;
  private FileChannel writer;

  private FifoInput(Path path) {
    this.path = path;
  }

  /** Makes the FIFO at {@code path} (with {@code mkfifo}) and opens its writing end. */
  public static FifoInput create(Path path) throws IOException, InterruptedException {
    FifoInput fifo = new FifoInput(path);
    fifo.make();
    fifo.open();
    return fifo;
  }

  public Path path() {
    return path;
  }

  /** Makes the FIFO again (after {@link #delete}). */
  public void make() throws IOException, InterruptedException {
    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
      throw new IOException("mkfifo " + path + " failed");
    }
  }

  /** Opens the writing end (again). */
  public void open() throws IOException {
    writer = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /** Removes the FIFO from the file system (the device node went away). */
  public void delete() throws IOException {
    Files.deleteIfExists(path);
  }

  /** The record the kernel writes for an event at {@code at}. */
  public static byte[] record(Instant at, int type, int code, int value) {
    ByteBuffer out = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(at.getEpochSecond())
        .putLong(at.getNano() / 1000)
        .putShort((short) type)
        .putShort((short) code)
        .putInt(value);
    return out.array();
  }

  /** A key event followed by {@code SYN_REPORT}, as the kernel reports a key. */
  public static byte[] key(Instant at, int code, int value) {
    ByteBuffer both = ByteBuffer.allocate(72).order(ByteOrder.LITTLE_ENDIAN);
    both.put(record(at, EV_MSC, 4, code)); // MSC_SCAN, as keyboards send first
    both.put(record(at, EV_KEY, code, value));
    both.put(record(at, EV_SYN, 0, 0));
    return both.array();
  }

  /** Writes {@code bytes} in one write. */
  public void write(byte[]... parts) throws IOException {
    int size = 0;
    for (byte[] part : parts) {
      size += part.length;
    }
    ByteBuffer all = ByteBuffer.allocate(size);
    for (byte[] part : parts) {
      all.put(part);
    }
    all.flip();
    while (all.hasRemaining()) {
      writer.write(all);
    }
  }

  /** Closes the writing end: the reader gets end of input. */
  @Override
  public void close() throws IOException {
    if (writer != null) {
      writer.close();
      writer = null;
    }
  }
}
