package io.vpanel.driver.sysfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where {@link EvdevReader} gets the device's bytes from: {@link Nio} ({@code java.nio}, {@code
 * grab: false}) or {@link NativeEvdev} (libc through JNA, {@code grab: true}). Both feed the same
 * record parser. A source belongs to the one reader thread that opened it, except {@link #close},
 * which the reader calls when it is done.
 */
interface EvdevSource extends AutoCloseable {

  /**
   * Reads into {@code buffer} at its position what the device has, waiting for it; -1 at end of
   * input. Returns 0 without reading when {@code stop} became true while waiting (a source that
   * cannot be woken may wait for the device's next bytes first).
   */
  int read(ByteBuffer buffer, java.util.function.BooleanSupplier stop) throws IOException;

  @Override
  void close() throws IOException;

  /** Opens a device. */
  @FunctionalInterface
  interface Opener {
    EvdevSource open(Path device) throws IOException;
  }

  /** Plain {@code java.nio}: a {@link FileChannel}; a read waits in the kernel until data. */
  final class Nio implements EvdevSource {
    private final FileChannel channel;

    private Nio(FileChannel channel) {
      this.channel = channel;
    }

    static Nio open(Path device) throws IOException {
      return new Nio(FileChannel.open(device, StandardOpenOption.READ));
    }

    @Override
    public int read(ByteBuffer buffer, java.util.function.BooleanSupplier stop) throws IOException {
      return channel.read(buffer);
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
