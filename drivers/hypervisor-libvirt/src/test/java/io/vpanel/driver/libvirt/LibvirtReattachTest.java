package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crash resume on real libvirtd + QEMU hosts: a separate JVM (the agent stand-in) starts a
 * peer-to-peer migration through the driver and is killed with SIGKILL; libvirtd carries the job
 * on, and a fresh driver takes it over with {@code reattach}. The truth is checked with virsh on
 * both hosts: the guest ends on exactly one of them, the one the single outcome names.
 */
class LibvirtReattachTest {
  private static final long SLOW = 4L * 1024 * 1024; // memtest86+ dirties far more: no converging
  private static final Poll PATIENTLY =
      Poll.atMost(Duration.ofMinutes(2)).every(Duration.ofMillis(50));

  /** For "nothing more happens": checked every 100 ms for a second, instead of one look. */
  private static final Poll NOTHING_MORE = Poll.atMost(Duration.ofSeconds(5));

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);
  private static TwoHosts hosts;
  private LibvirtHypervisorDriver driver;
  private Process client;

  @BeforeAll
  static void startHosts() {
    hosts = TwoHosts.start("reattach");
  }

  @AfterAll
  static void stopHosts() {
    if (hosts != null) {
      hosts.close();
    }
  }

  @BeforeEach
  void fresh() {
    hosts.clearGuests();
    driver = new LibvirtHypervisorDriver(LibvirtContractTest.testSettings());
  }

  @AfterEach
  void cleanUp() throws InterruptedException {
    if (client != null && client.isAlive()) {
      client.destroyForcibly();
      client.waitFor(10, TimeUnit.SECONDS);
    }
    driver.close();
  }

  @Test
  void aMigrationWhoseClientWasKilledRunsOnAndIsTakenOverUntilItSucceeds() throws Exception {
    hosts.startBusyGuest('a', "busy1");
    String uuid = uuidOf("busy1");
    killClientMidMigration(uuid);

    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    driver.connect(hosts.endpoint('b'));
    MigrationRecorder taken = new MigrationRecorder();
    Optional<MigrationInProgress> found = a.reattach(uuid, taken);

    assertThat(found).isPresent();
    assertThat(found.get().destination()).isEqualTo("b");
    PATIENTLY.until("progress of the taken-over migration", () -> taken.progress().size() >= 3);
    assertThat(taken.outcomes()).isEmpty();
    // let it converge: the same knobs an operator would turn with virsh
    hosts.virsh('a', "migrate-setspeed", "busy1", "1000");
    hosts.virsh('a', "migrate-setmaxdowntime", "busy1", "2000");
    PATIENTLY.until("the taken-over migration to end", () -> !taken.outcomes().isEmpty());

    MigrationOutcome outcome = taken.outcomes().get(0);
    System.out.println("reattached: " + taken.progress().size() + " reports, " + outcome);
    assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
    assertThat(outcome.stats().transfer()).as("libvirt's own time of the job").isPositive();
    assertThat(outcome.stats().bandwidthBytesPerSec()).isPositive();
    assertThat(hosts.guests('a', true)).doesNotContain("busy1");
    assertThat(hosts.guests('b', false)).containsExactly("busy1");
    assertThat(hosts.virsh('b', "domstate", "busy1").strip()).isEqualTo("running");
    assertNoBackwardsProgress(taken);
    NOTHING_MORE.holdsFor(ONE_SECOND, "one outcome only", () -> taken.finishedCount() == 1);
    assertThat(taken.outcomes()).hasSize(1);
  }

  @Test
  void aTakenOverMigrationCanBeAbortedAndTheGuestStaysOnTheSourceOnly() throws Exception {
    hosts.startBusyGuest('a', "busy2");
    String uuid = uuidOf("busy2");
    killClientMidMigration(uuid);

    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    driver.connect(hosts.endpoint('b'));
    MigrationRecorder taken = new MigrationRecorder();
    MigrationInProgress found = a.reattach(uuid, taken).orElseThrow();
    PATIENTLY.until("progress of the taken-over migration", () -> taken.progress().size() >= 2);
    found.handle().abort();
    PATIENTLY.until("the aborted migration to end", () -> !taken.outcomes().isEmpty());

    MigrationOutcome outcome = taken.outcomes().get(0);
    System.out.println("reattached and aborted: " + outcome.reason());
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason())
        .startsWith("aborted: ")
        .contains("busy2")
        .contains("still runs on a");
    assertThat(hosts.virsh('a', "domstate", "busy2").strip()).isEqualTo("running");
    PATIENTLY.until("b to hold no busy2", () -> hosts.guests('b', true).isEmpty());
    found.handle().abort(); // too late: nothing more
    NOTHING_MORE.holdsFor(ONE_SECOND, "one outcome only", () -> taken.finishedCount() == 1);
    assertThat(taken.outcomes()).hasSize(1);
    assertThat(a.reattach(uuid, new MigrationRecorder())).isEmpty();
  }

  @Test
  void aTakenOverMigrationThatDoesNotConvergeGetsDowntimeStepsFromTheLimitItHas() throws Exception {
    hosts.startBusyGuest('a', "busy3");
    String uuid = uuidOf("busy3");
    killClientMidMigration(uuid);
    // the limit an earlier run had raised it to; at 40 MiB/s memtest, which rewrites all its memory
    // faster, converges at neither 300 nor 500 ms, but does at 4000 (160 MiB of 128)
    hosts.virsh('a', "migrate-setmaxdowntime", "busy3", "500");
    hosts.virsh('a', "migrate-setspeed", "busy3", "40");
    driver.close();
    driver =
        new LibvirtHypervisorDriver(LibvirtContractTest.testSettings().withDowntimeSteps(4000, 2));
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    driver.connect(hosts.endpoint('b'));
    MigrationRecorder taken = new MigrationRecorder();
    AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
    AtomicLong highest = new AtomicLong();

    a.reattach(uuid, taken).orElseThrow();
    Poll.atMost(Duration.ofMinutes(3))
        .every(Duration.ofMillis(200))
        .until(
            "the taken-over migration to end",
            () -> {
              hosts
                  .downtimeLimitMillis('a', "busy3")
                  .ifPresent(
                      ms -> {
                        lowest.accumulateAndGet(ms, Math::min);
                        highest.accumulateAndGet(ms, Math::max);
                      });
              return !taken.outcomes().isEmpty();
            });

    MigrationOutcome outcome = taken.outcomes().get(0);
    System.out.println(
        "reattached with downtime steps: limit " + lowest + "-" + highest + " ms, " + outcome);
    assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
    assertThat(lowest.get()).as("the limit found at take-over is the base").isEqualTo(500);
    assertThat(highest.get())
        .as("raised in steps from 500 ms, never beyond the ceiling")
        .isGreaterThan(500)
        .isLessThanOrEqualTo(4000);
    assertThat(hosts.guests('b', false)).containsExactly("busy3");
    assertThat(hosts.guests('a', true)).doesNotContain("busy3");
  }

  @Test
  void noMigrationRunningMeansNothingToTakeOver() {
    hosts.startIdleGuest('a', "idle1");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    driver.connect(hosts.endpoint('b'));
    MigrationRecorder none = new MigrationRecorder();

    assertThat(a.reattach(uuidOf("idle1"), none)).isEmpty();
    assertThat(a.reattach(UUID.randomUUID().toString(), none)).isEmpty();
    assertThat(none.progress()).isEmpty();
    assertThat(none.outcomes()).isEmpty();
  }

  /**
   * Starts the migration from a separate JVM, kills it with SIGKILL once progress flows, and checks
   * with virsh that libvirtd on a still runs the outgoing job.
   */
  private void killClientMidMigration(String uuid) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path log = Files.createTempFile("vpanel-migration-client", ".log");
    try {
      client =
          new ProcessBuilder(
                  java,
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  System.getProperty("java.class.path"),
                  MigrationClientMain.class.getName(),
                  hosts.localUri('a'),
                  "b",
                  hosts.localUri('b'),
                  hosts.uri('b'),
                  uuid,
                  String.valueOf(SLOW))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      PATIENTLY.until(
          "the client's migration to progress", () -> progressLines(log) >= 3 || !client.isAlive());
      assertThat(client.isAlive()).as(Files.readString(log)).isTrue();
      long pid = client.pid();
      client.destroyForcibly(); // SIGKILL, like kill -9 of the agent
      assertThat(client.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(client.exitValue()).as("pid " + pid + " killed by SIGKILL").isEqualTo(137);
      assertThat(Files.readString(log)).doesNotContain("FINISHED");
    } finally {
      Files.deleteIfExists(log);
    }
    NOTHING_MORE.holdsFor(
        ONE_SECOND,
        "libvirtd on a carrying the outgoing job on after the client died",
        () -> hosts.virsh('a', "domjobinfo", uuid).contains("Outgoing migration"));
    String job = hosts.virsh('a', "domjobinfo", uuid);
    System.out.println("after the client died:\n" + job);
    assertThat(job).contains("Outgoing migration");
  }

  private static long progressLines(Path log) throws IOException {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Files.newInputStream(log), StandardCharsets.UTF_8))) {
      return in.lines().filter(l -> l.startsWith("PROGRESS")).count();
    }
  }

  private static void assertNoBackwardsProgress(MigrationRecorder r) {
    List<MigrationProgress> copy = r.progress();
    for (int i = 1; i < copy.size(); i++) {
      assertThat(copy.get(i).processedBytes())
          .isGreaterThanOrEqualTo(copy.get(i - 1).processedBytes());
    }
  }

  private String uuidOf(String name) {
    return hosts.virsh('a', "domuuid", name).strip();
  }
}
