package io.vpanel.agent.logging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether standard error goes to journald: systemd sets {@code JOURNAL_STREAM=<device>:<inode>} for
 * a service whose output is connected to the journal, and the check that the variable is not only
 * inherited is that the inode is standard error's own (systemd.exec(5), "JOURNAL_STREAM").
 */
public final class JournalStream {
  private JournalStream() {}

  /** From this process's environment and {@code /proc/self/fd/2}. */
  public static boolean stderrIsJournal() {
    return stderrIsJournal(System.getenv(), Path.of("/proc/self/fd/2"));
  }

  static boolean stderrIsJournal(Map<String, String> environment, Path stderrLink) {
    String stream = environment.get("JOURNAL_STREAM");
    if (stream == null || stream.length() > 64) {
      return false;
    }
    int colon = stream.indexOf(':');
    if (colon <= 0 || colon == stream.length() - 1) {
      return false;
    }
    String inode = stream.substring(colon + 1);
    if (!inode.chars().allMatch(Character::isDigit)) {
      return false;
    }
    try {
      // A socket's link reads "socket:[12345]", 12345 being its inode.
      String target = Files.readSymbolicLink(stderrLink).toString();
      return target.equals("socket:[" + inode + "]");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }
}
