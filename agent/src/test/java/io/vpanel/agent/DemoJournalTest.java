package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.engine.EngineSettings;
import io.vpanel.driver.sim.SimSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code vpanel demo} keeps a journal: a temporary SQLite file by default (gone after a clean
 * stop), or the file {@code --journal} names (kept, and read again by the next demo). The journal
 * API and {@code vpanel journal} work on it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DemoJournalTest {
  private static final String TOKEN = CliIntegrationTest.TOKEN;

  @TempDir Path dir;

  private static RunningAgent demo(Optional<Path> journal) {
    SimSettings d = SimSettings.defaults();
    SimSettings sim = new SimSettings(d.seed(), 3, 9, 40, 20, d.tickMillis(), d.maxRounds());
    return Wiring.startDemo(
        new Wiring.DemoOptions("127.0.0.1", 0, sim, TOKEN, EngineSettings.defaults(), journal));
  }

  @Test
  void byDefaultTheJournalIsATemporaryFileTheStartUpLinesNameAndACleanStopRemoves()
      throws Exception {
    Path file;
    try (RunningAgent agent = demo(Optional.empty());
        TestHttp api = new TestHttp(agent.url(), TOKEN)) {
      file = agent.demoJournal().orElseThrow();
      assertThat(agent.demoJournalIsTemporary()).isTrue();
      assertThat(file).exists().hasFileName("journal.db");

      StringWriter printed = new StringWriter();
      Main.startupLines(new PrintWriter(printed, true), agent, 3, 9, 1, 3);
      assertThat(printed.toString())
          .contains("  Front panels: " + agent.url() + "/#token=")
          .contains("  Journal:      " + file + " (temporary, deleted when the demo stops;")
          .contains("--journal PATH keeps it)");

      TestHttp.Reply journal = api.get("/api/v1/hosts/sim-01/journal");
      assertThat(journal.status()).as(journal.body()).isEqualTo(200);
      assertThat(journal.json().get("entries").isArray()).isTrue();
    }
    assertThat(file).doesNotExist();
    assertThat(file.getParent()).as("the demo's temporary directory").doesNotExist();
  }

  @Test
  void aMaintenanceCycleIsInTheJournalOfTheApiAndOfTheCli() {
    try (RunningAgent agent = demo(Optional.empty());
        TestHttp api = new TestHttp(agent.url(), TOKEN)) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> api.totalRunningVms() == 9);
      cycle(api, "sim-02");

      JsonNode entries = api.get("/api/v1/hosts/sim-02/journal?limit=1000").json().get("entries");
      List<String> kinds = new ArrayList<>();
      List<String> messages = new ArrayList<>();
      entries.forEach(
          e -> {
            kinds.add(e.get("kind").asString());
            messages.add(e.get("message").asString());
          });
      assertThat(kinds).contains("request", "plan", "maintenance", "migration");
      assertThat(messages)
          .anyMatch(m -> m.contains("ENTERING -> IN_MAINTENANCE"))
          .anyMatch(m -> m.contains("EXITING -> OPERATIONAL"));
      assertThat(entries.get(0).get("id").asLong())
          .as("newest first")
          .isGreaterThan(entries.get(entries.size() - 1).get("id").asLong());

      CliIntegrationTest.Run run =
          CliIntegrationTest.vpanel(
              "journal", "sim-02", "--kind", "maintenance", "--url", agent.url());
      assertThat(run.status()).as(run.err()).isZero();
      assertThat(run.out()).contains("ENTERING -> IN_MAINTENANCE").contains("maintenance");
    }
  }

  @Test
  void aJournalGivenWithDashDashJournalIsKeptAndReadByTheNextDemo() throws Exception {
    Path file = dir.resolve("kept/demo-journal.db");
    try (RunningAgent agent = demo(Optional.of(file));
        TestHttp api = new TestHttp(agent.url(), TOKEN)) {
      assertThat(agent.demoJournal()).contains(file.toAbsolutePath());
      assertThat(agent.demoJournalIsTemporary()).isFalse();
      StringWriter printed = new StringWriter();
      Main.startupLines(new PrintWriter(printed, true), agent, 3, 9, 1, 3);
      assertThat(printed.toString())
          .contains("  Journal:      " + file.toAbsolutePath() + " (kept)");
      TestHttp.Reply notice =
          api.post(
              "/api/v1/hosts/sim-03/notices", "{\"text\":\"kept across demos\",\"from\":\"test\"}");
      assertThat(notice.status()).as(notice.body()).isEqualTo(202);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  journalMessages(api, "sim-03").stream()
                      .anyMatch(m -> m.endsWith(": kept across demos")));
    }
    assertThat(file).exists();
    assertThat(Files.size(file)).isPositive();

    try (RunningAgent again = demo(Optional.of(file));
        TestHttp api = new TestHttp(again.url(), TOKEN)) {
      assertThat(journalMessages(api, "sim-03"))
          .contains("info notice from test: kept across demos");
    }
    assertThat(file).as("kept after the second demo too").exists();
  }

  private static List<String> journalMessages(TestHttp api, String host) {
    TestHttp.Reply reply = api.get("/api/v1/hosts/" + host + "/journal?kind=notice");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    List<String> messages = new ArrayList<>();
    reply.json().get("entries").forEach(e -> messages.add(e.get("message").asString()));
    return messages;
  }

  /** Enters maintenance and exits it again, each step to its end. */
  private static void cycle(TestHttp api, String host) {
    for (String[] step : new String[][] {{"enter", "IN_MAINTENANCE"}, {"exit", "OPERATIONAL"}}) {
      TestHttp.Reply reply =
          api.post("/api/v1/hosts/" + host + "/maintenance", "{\"action\":\"" + step[0] + "\"}");
      assertThat(reply.status()).as(reply.body()).isEqualTo(202);
      Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> api.state(host).equals(step[1]));
    }
  }
}
