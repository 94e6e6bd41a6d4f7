package io.vpanel.spi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one rule for every file that holds a secret (an API token or tokens file, a TLS key, a BMC
 * password): readable and writable by its owner only. A mode check, so it holds for root too.
 */
public final class SecretFiles {
  private static final Set<PosixFilePermission> LOOSE =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private SecretFiles() {}

  /**
   * Refuses a missing {@code file}, or one its group or others may read or write, with the fix.
   *
   * @throws DriverException with an operator-readable reason that names the file
   */
  public static void requireOwnerOnly(Path file) {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      if (!Files.exists(file)) {
        throw new DriverException(file + ": no such file");
      }
      return; // not a POSIX file system: no mode to check
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = view.readAttributes().permissions();
    } catch (NoSuchFileException e) {
      throw new DriverException(file + ": no such file");
    } catch (IOException e) {
      throw new DriverException(file + ": cannot read its mode (" + e.getMessage() + ")");
    }
    if (permissions.stream().anyMatch(LOOSE::contains)) {
      throw new DriverException(
          file
              + ": is readable or writable by its group or others (mode "
              + PosixFilePermissions.toString(permissions)
              + "); it is a secret: chmod 600 "
              + file
              + " (and chown it to the user the agent runs as)");
    }
  }
}
