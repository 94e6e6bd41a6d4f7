package io.vpanel.driver.redfish;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.SecretFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The BMC account, read from files only its owner may read. Never logged: toString hides it. */
record Credentials(String username, String password) {

  private static final int MAX_FILE = 4096;

  Credentials {
    if (username.isEmpty() || username.indexOf(':') >= 0) {
      throw new DriverException("the Redfish user name is empty or holds ':'");
    }
    if (password.isEmpty()) {
      throw new DriverException("the Redfish password is empty");
    }
  }

  static Credentials read(RedfishSettings settings) {
    if (!settings.credentialsFile().isEmpty()) {
      Path file = Path.of(settings.credentialsFile());
      String line = firstLine(file);
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new DriverException(file + ": the first line must be user:password");
      }
      return new Credentials(line.substring(0, colon), line.substring(colon + 1));
    }
    if (settings.usernameFile().isEmpty()) {
      throw new DriverException(
          "the redfish driver needs credentialsFile (user:password) or usernameFile and"
              + " passwordFile");
    }
    return new Credentials(
        firstLine(Path.of(settings.usernameFile())), firstLine(Path.of(settings.passwordFile())));
  }

  @Override
  public String toString() {
    return "Credentials[" + username + ", password hidden]";
  }

  private static String firstLine(Path file) {
    SecretFiles.requireOwnerOnly(file);
    try {
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length > MAX_FILE) {
        throw new DriverException(file + ": longer than " + MAX_FILE + " bytes");
      }
      String text = new String(bytes, StandardCharsets.UTF_8);
      int end = text.indexOf('\n');
      String line = end < 0 ? text : text.substring(0, end);
      return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    } catch (NoSuchFileException e) {
      throw new DriverException(file + ": no such file");
    } catch (IOException e) {
      throw new DriverException(file + ": cannot be read (" + e.getMessage() + ")");
    }
  }
}
