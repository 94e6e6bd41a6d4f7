package io.vpanel.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's check, on links made to look like {@code /proc/self/fd/2}: a socket link reads {@code
 * socket:[INODE]}.
 */
class JournalStreamTest {
  @TempDir Path dir;

  private Path stderrLink(String target) throws IOException {
    return Files.createSymbolicLink(dir.resolve("fd2-" + System.nanoTime()), Path.of(target));
  }

  @Test
  void standardErrorIsTheJournalWhenItsInodeIsTheOneSystemdNamed() throws IOException {
    Path socket = stderrLink("socket:[4711]");
    assertThat(JournalStream.stderrIsJournal(Map.of("JOURNAL_STREAM", "8:4711"), socket)).isTrue();
  }

  @Test
  void anInheritedVariableForAnotherStreamIsNotTheJournal() throws IOException {
    // A child whose stderr was redirected keeps the variable; the inode then differs.
    Path socket = stderrLink("socket:[4712]");
    assertThat(JournalStream.stderrIsJournal(Map.of("JOURNAL_STREAM", "8:4711"), socket)).isFalse();
    Path file = stderrLink("/var/log/agent.log");
    assertThat(JournalStream.stderrIsJournal(Map.of("JOURNAL_STREAM", "8:4711"), file)).isFalse();
  }

  @Test
  void noOrMalformedVariableIsNotTheJournal() throws IOException {
    Path socket = stderrLink("socket:[4711]");
    assertThat(JournalStream.stderrIsJournal(Map.of(), socket)).isFalse();
    for (String bad : new String[] {"", ":", "8:", ":4711", "8:47x1", "8:" + "1".repeat(80)}) {
      assertThat(JournalStream.stderrIsJournal(Map.of("JOURNAL_STREAM", bad), socket))
          .as(bad)
          .isFalse();
    }
    assertThat(
            JournalStream.stderrIsJournal(
                Map.of("JOURNAL_STREAM", "8:4711"), dir.resolve("missing")))
        .isFalse();
  }

  @Test
  void thisTestsOwnStandardErrorIsNotTheJournal() {
    // Surefire's forked JVM writes to a pipe or file, never to journald.
    assertThat(
            JournalStream.stderrIsJournal(
                Map.of("JOURNAL_STREAM", "8:1"), Path.of("/proc/self/fd/2")))
        .isFalse();
  }
}
