package io.vpanel.driver.sysfs;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * An evdev device opened through libc (JNA), for {@code grab: true}: {@code open(path,
 * O_RDONLY|O_CLOEXEC)}, {@code ioctl(fd, EVIOCGRAB, 1)} so no other reader (a console, a desktop)
 * gets its events, then {@code poll(2)} with a {@value #POLL_MILLIS} ms timeout before each {@code
 * read(2)}, so a reader asked to stop notices within that bound instead of waiting in the kernel
 * for the next key. The grab belongs to the descriptor: {@link #close} ({@code close(2)}) releases
 * it.
 *
 * <p>Native calls block the calling thread in the kernel; a virtual thread would pin its carrier,
 * so {@link EvdevReader} runs this on a platform thread of its own. Errors come back as {@link
 * IOException}s of the same kinds {@code java.nio} throws ({@link NoSuchFileException}, {@link
 * AccessDeniedException}, {@link FileSystemException} with the C library's text), so {@link
 * Problems#input} words them the same; a refused grab is a {@link GrabRefused}.
 */
final class NativeEvdev implements EvdevSource {
  /** {@code _IOW('E', 0x90, int)}: the same on x86_64 and aarch64. */
  static final long EVIOCGRAB = 0x40044590L;

  /** How long one {@code poll(2)} waits before the reader looks at its stop flag again. */
  static final int POLL_MILLIS = 250;

  static final int O_RDONLY = 0;
  static final int O_CLOEXEC = 02000000;
  static final short POLLIN = 0x1;
  static final short POLLNVAL = 0x20;

  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int EAGAIN = 11;
  static final int EACCES = 13;
  static final int EBUSY = 16;
  static final int ENODEV = 19;
  static final int EISDIR = 21;
  static final int EINVAL = 22;
  static final int ENOTTY = 25;

  /** The few libc calls this needs; {@code ioctl} is variadic in C and declared so here. */
  interface LibC extends Library {
    int open(String path, int flags);

    int ioctl(int fd, NativeLong request, Object... argument);

    int poll(Pointer fds, NativeLong nfds, int timeoutMillis);

    NativeLong read(int fd, Pointer buffer, NativeLong count);

    int close(int fd);

    String strerror(int errno);
  }

  /** Loaded on first use, so a {@code grab: false} panel never loads JNA. */
  private static final class Holder {
    static final LibC C = Native.load("c", LibC.class);
  }

  private final LibC c;
  private final Path device;
  private final int fd;
  private final Memory pollFd = new Memory(8); // struct pollfd {int fd; short events, revents;}
  private Memory chunk;
  private boolean closed;

  private NativeEvdev(LibC c, Path device, int fd) {
    this.c = c;
    this.device = device;
    this.fd = fd;
    pollFd.setInt(0, fd);
    pollFd.setShort(4, POLLIN);
  }

  /**
   * Opens {@code device} and, when {@code grab}, grabs it. A FIFO's open waits for its writer, as
   * with {@code java.nio}.
   */
  static NativeEvdev open(Path device, boolean grab) throws IOException {
    LibC c = libc();
    if (Files.isDirectory(device)) {
      // open(2) of a directory for reading succeeds; say what java.nio says about it.
      throw new FileSystemException(device.toString(), null, "Is a directory");
    }
    int fd = c.open(device.toString(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw failure(device, Native.getLastError());
    }
    NativeEvdev source = new NativeEvdev(c, device, fd);
    if (grab) {
      try {
        source.grab();
      } catch (IOException | RuntimeException e) {
        source.close();
        throw e;
      }
    }
    return source;
  }

  /** {@code ioctl(fd, EVIOCGRAB, 1)}: from now on only this descriptor gets the events. */
  void grab() throws GrabRefused {
    int result;
    int errno;
    do {
      result = c.ioctl(fd, new NativeLong(EVIOCGRAB), 1);
      errno = result < 0 ? Native.getLastError() : 0;
    } while (result < 0 && errno == EINTR);
    if (result < 0) {
      throw new GrabRefused(device, errno, name(errno), strerror(errno));
    }
  }

  @Override
  public int read(ByteBuffer buffer, BooleanSupplier stop) throws IOException {
    int wanted = buffer.remaining();
    if (chunk == null || chunk.size() < wanted) {
      chunk = new Memory(Math.max(wanted, 1));
    }
    while (true) {
      if (stop.getAsBoolean()) {
        return 0;
      }
      pollFd.setShort(6, (short) 0);
      int ready = c.poll(pollFd, new NativeLong(1), POLL_MILLIS);
      if (ready < 0) {
        int errno = Native.getLastError();
        if (errno == EINTR) {
          continue;
        }
        throw failure(device, errno);
      }
      if (ready == 0) {
        continue; // timed out: look at the stop flag again
      }
      if ((pollFd.getShort(6) & POLLNVAL) != 0) {
        throw new FileSystemException(device.toString(), null, "descriptor closed under poll");
      }
      if (stop.getAsBoolean()) {
        return 0;
      }
      // POLLIN, or POLLHUP/POLLERR: read(2) then says which (data, end of input, ENODEV)
      long n = c.read(fd, chunk, new NativeLong(wanted)).longValue();
      if (n < 0) {
        int errno = Native.getLastError();
        if (errno == EINTR || errno == EAGAIN) {
          continue;
        }
        throw failure(device, errno);
      }
      if (n == 0) {
        return -1;
      }
      buffer.put(chunk.getByteBuffer(0, n));
      return (int) n;
    }
  }

  /** {@code close(2)}: releases the grab. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    c.close(fd);
  }

  private static LibC libc() throws FileSystemException {
    try {
      return Holder.C;
    } catch (LinkageError e) {
      throw new FileSystemException(
          null, null, "cannot call the C library through JNA (" + e + "), needed for grab: true");
    }
  }

  /** The exception {@code java.nio} would throw for {@code errno}. */
  static IOException failure(Path device, int errno) {
    String file = device.toString();
    return switch (errno) {
      case ENOENT -> new NoSuchFileException(file);
      case EACCES, EPERM -> new AccessDeniedException(file);
      default -> new FileSystemException(file, null, strerror(errno));
    };
  }

  private static String strerror(int errno) {
    try {
      String text = libc().strerror(errno);
      if (text != null && !text.isBlank()) {
        return text;
      }
    } catch (IOException | RuntimeException e) {
      // fall through to the name
    }
    return name(errno) + " (errno " + errno + ")";
  }

  /** The C name of the error numbers a grab can fail with. */
  static String name(int errno) {
    return switch (errno) {
      case ENOTTY -> "ENOTTY";
      case EINVAL -> "EINVAL";
      case EBUSY -> "EBUSY";
      case EPERM -> "EPERM";
      case EACCES -> "EACCES";
      case ENODEV -> "ENODEV";
      case ENOENT -> "ENOENT";
      case EISDIR -> "EISDIR";
      default -> "errno " + errno;
    };
  }

  /** {@code EVIOCGRAB} was refused. */
  static final class GrabRefused extends IOException {
    private final int errno;
    private final String errnoName;

    GrabRefused(Path device, int errno, String errnoName, String text) {
      super(device + ": EVIOCGRAB failed: " + errnoName + " (" + text + ")");
      this.errno = errno;
      this.errnoName = errnoName;
    }

    int errno() {
      return errno;
    }

    String errnoName() {
      return errnoName;
    }
  }
}
