package io.vpanel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** The shell scripts a fixture runs its peer with, copied from the test kit's resources. */
final class FixtureScripts {
  private FixtureScripts() {}

  /** Copies {@code /<folder>/<script>} for each of {@code scripts} into {@code bin}, executable. */
  static void install(String folder, List<String> scripts, Path bin) throws IOException {
    Files.createDirectories(bin);
    for (String script : scripts) {
      try (InputStream in = FixtureScripts.class.getResourceAsStream("/" + folder + "/" + script)) {
        if (in == null) {
          throw new IOException("test resource " + folder + "/" + script + " is missing");
        }
        Path target = bin.resolve(script);
        Files.createDirectories(target.getParent());
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }
}
