package io.vpanel.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A token, password or key file as the agent accepts it: written, then readable by its owner only
 * (mode 600). The drivers and the API refuse a secret file that others may read.
 */
public final class SecretFile {
  private SecretFile() {}

  /** Writes {@code content} to {@code file}, makes it mode 600 and returns it. */
  public static Path write(Path file, CharSequence content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }
}
