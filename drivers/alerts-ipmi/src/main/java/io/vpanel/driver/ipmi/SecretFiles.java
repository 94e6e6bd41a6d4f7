package io.vpanel.driver.ipmi;

import io.vpanel.spi.DriverException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** The password file check (the same rule and words as the API's key and token files). */
final class SecretFiles {
  private SecretFiles() {}

  /** Refuses a missing file, or one its group or others may read or write. */
  static void requireOwnerOnly(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DriverException(file + ": no such file (passwordFile)");
    }
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = view.readAttributes().permissions();
    } catch (NoSuchFileException e) {
      throw new DriverException(file + ": no such file (passwordFile)");
    } catch (IOException e) {
      throw new DriverException(file + ": cannot read its mode (" + e.getMessage() + ")");
    }
    Set<PosixFilePermission> loose =
        Set.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE);
    if (permissions.stream().anyMatch(loose::contains)) {
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
