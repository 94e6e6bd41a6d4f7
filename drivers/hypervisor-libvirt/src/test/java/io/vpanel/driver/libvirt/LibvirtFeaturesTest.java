package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOptions.Compression;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationStats;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Per-migration features on two real session-mode libvirtd + QEMU (TCG) hosts: each migration runs
 * with what the options ask for and the test checks on the peer that it really did (QEMU's own
 * migration parameters, the completed job's compression counters, the throttle libvirt reports),
 * the fallback when the peer refuses a feature (libvirt 9.0 refuses zstd; an unprivileged QEMU
 * refuses post-copy), the measurements, the offered features, the background dirty-rate sample and
 * the post-copy permission in the metadata. One bed for the class; memtest86+ guests that rewrite
 * their RAM, so a migration lasts long enough to look at.
 */
class LibvirtFeaturesTest {
  private static final Poll PATIENTLY =
      Poll.atMost(Duration.ofMinutes(2)).every(Duration.ofMillis(50));
  private static final long MIB = 1024 * 1024;
  private static final String NS = LibvirtSettings.DEFAULT_NAMESPACE;
  private static TwoHosts hosts;
  private LibvirtHypervisorDriver driver;

  @BeforeAll
  static void startHosts() {
    hosts = TwoHosts.start("features");
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
    driver =
        new LibvirtHypervisorDriver(
            LibvirtContractTest.testSettings().withDirtyRateSampleSeconds(0));
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  /** 100 MiB/s and auto-converge: a memtest86+ guest takes a few seconds and then converges. */
  private static MigrationOptions capped(int connections, Compression compression) {
    return new MigrationOptions(
        Duration.ofMillis(300), 100 * MIB, true, false, connections, compression);
  }

  /** Starts a memtest86+ guest on a and waits until it really rewrites its RAM. */
  private static void startDirtyingGuest(String name) {
    hosts.startBusyGuest('a', name);
    awaitDirtying(hosts, name);
  }

  /**
   * Until memtest86+ has touched nearly all of its 128 MiB (its QEMU's resident memory, from the
   * daemon's PID file, is above 150 MiB) and libvirt's dirty-rate calculation says it writes more
   * than 50 MiB/s: from then on every migration pass has the whole RAM to send again.
   */
  static void awaitDirtying(TwoHosts bed, String name) {
    PATIENTLY.until(
        name + " to dirty all its memory",
        () -> {
          if (residentMiB(bed, name) < 150) {
            return false;
          }
          String stats = bed.virsh('a', "domstats", "--dirtyrate", name);
          Matcher rate = Pattern.compile("megabytes_per_second=(\\d+)").matcher(stats);
          if (stats.contains("calc_status=2")
              && rate.find()
              && Long.parseLong(rate.group(1)) > 50) {
            return true;
          }
          if (!stats.contains("calc_status=1")) {
            bed.virsh('a', "domdirtyrate-calc", name, "--seconds", "1");
          }
          return false;
        });
  }

  private static long residentMiB(TwoHosts bed, String name) throws Exception {
    Path pidFile;
    try (var files = Files.walk(bed.dir().resolve("a/run"))) {
      pidFile =
          files
              .filter(f -> f.getFileName().toString().equals(name + ".pid"))
              .findFirst()
              .orElse(null);
    }
    if (pidFile == null) {
      return 0;
    }
    Path status = Path.of("/proc", Files.readString(pidFile).strip(), "status");
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return 0;
  }

  @Test
  void multifdWithTwoConnectionsRunsTwoChannelsInQemu() {
    startDirtyingGuest("busy1");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    MigrationRecorder migration = new MigrationRecorder();

    a.migrate(uuidOf(a, "busy1"), hosts.endpoint('b'), capped(2, Compression.NONE), migration);
    awaitBytesOnTheWire(migration);
    String capabilities = hosts.qmp('a', "busy1", "query-migrate-capabilities");
    String parameters = hosts.qmp('a', "busy1", "query-migrate-parameters");
    MigrationOutcome outcome = awaitOutcome(migration);

    System.out.println("multifd x2: " + outcome);
    assertThat(parameters).contains("\"multifd-channels\":2");
    assertThat(capabilities)
        .containsAnyOf(
            "{\"state\":true,\"capability\":\"multifd\"}",
            "{\"capability\":\"multifd\",\"state\":true}");
    assertSucceededOnB(outcome, "busy1");
    assertThat(outcome.stats().used()).contains(MigrationFeature.MULTIFD);
    assertThat(outcome.stats().fallback()).isEmpty();
    assertMeasured(outcome.stats());
  }

  @Test
  void xbzrleSendsDeltasOfResentPages() {
    startDirtyingGuest("busy1");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    MigrationRecorder migration = new MigrationRecorder();

    a.migrate(uuidOf(a, "busy1"), hosts.endpoint('b'), capped(1, Compression.XBZRLE), migration);
    MigrationOutcome outcome = awaitOutcome(migration);

    System.out.println("xbzrle: " + outcome);
    assertSucceededOnB(outcome, "busy1");
    String completed = hosts.virsh('b', "domjobinfo", "busy1", "--completed", "--keep-completed");
    System.out.println(completed);
    assertThat(completed).contains("Compression cache:");
    assertThat(number(completed, "Compressed pages") + number(completed, "Compression overflows"))
        .as("pages XBZRLE encoded (or tried to) on re-send")
        .isPositive();
    assertThat(outcome.stats().used()).contains(MigrationFeature.XBZRLE);
    assertMeasured(outcome.stats());
  }

  @Test
  void zstdIsRefusedByThisLibvirtAndTheMigrationRunsWithoutIt() {
    startDirtyingGuest("busy1");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    MigrationRecorder migration = new MigrationRecorder();

    a.migrate(uuidOf(a, "busy1"), hosts.endpoint('b'), capped(2, Compression.ZSTD), migration);
    awaitBytesOnTheWire(migration);
    String parameters = hosts.qmp('a', "busy1", "query-migrate-parameters");
    MigrationOutcome outcome = awaitOutcome(migration);

    System.out.println("zstd: " + outcome.stats());
    assertSucceededOnB(outcome, "busy1");
    MigrationStats stats = outcome.stats();
    assertThat(stats.fallback())
        .startsWith("zstd refused by libvirt migrating busy1 from a to b (")
        .contains("Unsupported compression method 'zstd'")
        .endsWith("); ran without it");
    assertThat(stats.used())
        .contains(MigrationFeature.MULTIFD, MigrationFeature.AUTO_CONVERGE)
        .doesNotContain(MigrationFeature.ZSTD);
    assertThat(parameters).contains("\"multifd-compression\":\"none\"");
    assertThat(parameters).contains("\"multifd-channels\":2");
    assertThat(migration.outcomes()).hasSize(1);
  }

  @Test
  void postCopyIsRefusedByTheUnprivilegedQemuAndThePreCopyRunsWithoutIt() throws Exception {
    assertThat(Files.readString(Path.of("/proc/sys/vm/unprivileged_userfaultfd")))
        .as("this refusal needs vm.unprivileged_userfaultfd = 0 (the kernel's default)")
        .startsWith("0");
    hosts.startIdleGuest('a', "busy1");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    MigrationRecorder migration = new MigrationRecorder();
    MigrationOptions postCopy =
        new MigrationOptions(Duration.ofMillis(300), 100 * MIB, true, true, 1, Compression.NONE);

    a.migrate(uuidOf(a, "busy1"), hosts.endpoint('b'), postCopy, migration);
    MigrationOutcome outcome = awaitOutcome(migration);

    System.out.println("post-copy (session): " + outcome.stats());
    assertSucceededOnB(outcome, "busy1");
    assertThat(outcome.stats().fallback())
        .startsWith("post-copy refused by qemu migrating busy1 from a to b (")
        .contains("Postcopy is not supported")
        .endsWith("); ran without it");
    assertThat(outcome.stats().used())
        .containsExactly(MigrationFeature.AUTO_CONVERGE)
        .doesNotContain(MigrationFeature.POST_COPY);
  }

  @Test
  void autoConvergeThrottlesTheGuestUntilItConverges() throws Exception {
    startDirtyingGuest("busy1");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    MigrationRecorder migration = new MigrationRecorder();
    AtomicLong throttle = new AtomicLong();
    Connect watcher = new Connect(hosts.localUri('a'));
    try {
      Domain watched = watcher.domainLookupByName("busy1");
      MigrationOptions slower =
          new MigrationOptions(Duration.ofMillis(300), 20 * MIB, true, false, 1, Compression.NONE);

      a.migrate(uuidOf(a, "busy1"), hosts.endpoint('b'), slower, migration);
      Poll.atMost(Duration.ofMinutes(2))
          .every(Duration.ofMillis(20))
          .until(
              "a throttle in the source's job statistics, or the end",
              () -> {
                try {
                  throttle.accumulateAndGet(
                      JobStats.of(watched.getJobStats(0)).orZero("auto_converge_throttle"),
                      Math::max);
                } catch (LibvirtException e) {
                  // the guest just left
                }
                return throttle.get() > 0 || !migration.outcomes().isEmpty();
              });
    } finally {
      watcher.close();
    }
    if (migration.outcomes().isEmpty()) {
      hosts.virsh('a', "migrate-setspeed", "busy1", "1000"); // seen it throttle: now finish
    }
    MigrationOutcome outcome = awaitOutcome(migration);

    System.out.println("auto-converge: throttle " + throttle + " %, " + outcome);
    assertThat(throttle.get()).as("libvirt reported an auto-converge throttle").isPositive();
    assertSucceededOnB(outcome, "busy1");
    assertThat(outcome.stats().used()).containsExactly(MigrationFeature.AUTO_CONVERGE);
    assertMeasured(outcome.stats());
    assertThat(migration.progress())
        .as("progress carries the dirty rate")
        .anyMatch(p -> p.dirtyRateBytesPerSec() > 0);
  }

  @Test
  void aGuestThatDoesNotConvergeIsAllowedMoreDowntimeInStepsUpToTheCeiling() throws Exception {
    // memtest rewrites all its memory faster than 40 MiB/s sends it, and nothing throttles it:
    // pre-copy alone never gets under 300 ms
    startDirtyingGuest("busy1");
    driver.close();
    driver =
        new LibvirtHypervisorDriver(
            LibvirtContractTest.testSettings()
                .withDirtyRateSampleSeconds(0)
                .withDowntimeSteps(4000, 2));
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    MigrationRecorder migration = new MigrationRecorder();
    MigrationOptions unthrottled =
        new MigrationOptions(Duration.ofMillis(300), 40 * MIB, false, false, 1, Compression.NONE);
    AtomicLong highestLimit = new AtomicLong();

    a.migrate(uuidOf(a, "busy1"), hosts.endpoint('b'), unthrottled, migration);
    Poll.atMost(Duration.ofMinutes(3))
        .every(Duration.ofMillis(200))
        .until(
            "the migration to end",
            () -> {
              hosts
                  .downtimeLimitMillis('a', "busy1")
                  .ifPresent(ms -> highestLimit.accumulateAndGet(ms, Math::max));
              return !migration.outcomes().isEmpty();
            });
    MigrationOutcome outcome = awaitOutcome(migration);

    System.out.println("downtime steps: highest limit " + highestLimit + " ms, " + outcome);
    assertSucceededOnB(outcome, "busy1");
    assertThat(highestLimit.get())
        .as("QEMU's downtime-limit was raised beyond the 300 ms asked, never beyond the ceiling")
        .isGreaterThan(300)
        .isLessThanOrEqualTo(4000);
    assertThat(outcome.rounds()).as("it needed the steps: more than 2 rounds").isGreaterThan(2);
    assertThat(outcome.downtime().toMillis()).isLessThanOrEqualTo(4000 + 1000);
  }

  @Test
  void anUnreachableDestinationIsNoRefusalAndTheFailureStillHasStats() {
    hosts.startIdleGuest('a', "idle1");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    MigrationRecorder migration = new MigrationRecorder();
    var nowhere =
        new io.vpanel.spi.hypervisor.HostEndpoint("c", "", "qemu+tcp://192.0.2.1:1/session");

    a.migrate(uuidOf(a, "idle1"), nowhere, capped(2, Compression.XBZRLE), migration);
    MigrationOutcome outcome = awaitOutcome(migration);

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.stats().fallback()).isEmpty();
    assertThat(outcome.stats().used()).contains(MigrationFeature.MULTIFD, MigrationFeature.XBZRLE);
    assertThat(outcome.stats().setup()).isPositive();
    assertThat(outcome.stats().transfer()).isZero();
    assertThat(hosts.guests('a', false)).containsExactly("idle1");
  }

  @Test
  void theHostOffersWhatThisLibvirtAndQemuSupport() {
    HostInventory inventory = driver.connect(hosts.endpoint('a')).inventory();
    String version = hosts.virsh('a', "version");
    System.out.println(version + "offered: " + inventory.migrationFeatures());

    assertThat(inventory.migrationFeatures())
        .as("libvirt 9.0 / QEMU 7.2, session daemon, vm.unprivileged_userfaultfd = 0")
        .containsExactlyInAnyOrder(
            MigrationFeature.AUTO_CONVERGE, MigrationFeature.XBZRLE, MigrationFeature.MULTIFD);
  }

  @Test
  void theDirtyRateSampleOfAMemoryWriterIsAboveAnIdleGuests() {
    hosts.startBusyGuest('a', "busy1");
    hosts.startIdleGuest('a', "idle1");
    try (LibvirtHypervisorDriver sampling =
        new LibvirtHypervisorDriver(
            LibvirtContractTest.testSettings().withDirtyRateSampleSeconds(2))) {
      HypervisorConnection a = sampling.connect(hosts.endpoint('a'));
      assertThat(vm(a, "busy1").dirtyRateBytesPerSec()).as("nothing sampled yet").isZero();

      long busy =
          PATIENTLY.until(
              "a dirty-rate sample of busy1",
              () -> vm(a, "busy1").dirtyRateBytesPerSec(),
              rate -> rate > 0);
      long idle = vm(a, "idle1").dirtyRateBytesPerSec();

      System.out.println("dirty rate busy1 " + busy / MIB + " MiB/s, idle1 " + idle / MIB);
      assertThat(busy).isGreaterThan(10 * MIB);
      assertThat(idle).isLessThan(busy);
      String stats = hosts.virsh('a', "domstats", "--dirtyrate", "busy1");
      assertThat(stats).contains("dirtyrate.calc_status=2");
    }
  }

  /** Idle and iowait time of all CPUs from /proc/stat, in USER_HZ ticks (100 per second). */
  private static long procStatIdleTicks() throws java.io.IOException {
    String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    return Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
  }

  @Test
  void theHostsCpuTimesAndIdleShareComeFromLibvirt() throws Exception {
    Connect c = new Connect(hosts.localUri('a'));
    try {
      // libvirtd reads /proc/stat (the bed's daemons share the machine's) and gives nanoseconds:
      // the binding's layout is right when libvirt's idle time lies between two readings of ours
      long before = procStatIdleTicks();
      NodeCpu.Times times = NodeCpu.read(c).orElseThrow();
      long after = procStatIdleTicks();
      assertThat(times.idle() / 10_000_000L).isBetween(before - 1, after + 1);
      assertThat(times.total()).isGreaterThan(times.idle());
    } finally {
      c.close();
    }
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    double share =
        PATIENTLY.until(
            "a second reading of the host's CPU",
            () -> a.inventory().cpuIdleShare(),
            idle -> idle >= 0);
    assertThat(share).isBetween(0.0, 1.0);
  }

  @Test
  void aRoundWaitsForACalculationThatOutlastsItsPeriod() throws Exception {
    hosts.startIdleGuest('a', "slowcalc");
    Connect c = new Connect(hosts.localUri('a'));
    try {
      String uuid = c.domainLookupByName("slowcalc").getUUIDString();
      // Another client's calculation of 4 s: the sampler's own start is refused and its first read,
      // 1.3 s after, finds QEMU still measuring (as a loaded host's one-second calculation was).
      hosts.virsh('a', "domdirtyrate-calc", "slowcalc", "--seconds", "4");
      DirtyRateSampler sampler =
          new DirtyRateSampler("a", 0, () -> new ConnectionSlot.Live<>(c, 1));

      sampler.sampleOnce();

      assertThat(sampler.sampled(uuid)).as("the round kept the calculation's result").isTrue();
      assertThat(hosts.virsh('a', "domstats", "--dirtyrate", "slowcalc"))
          .contains("dirtyrate.calc_status=2")
          .contains("dirtyrate.calc_period=4");
    } finally {
      c.close();
    }
  }

  @Test
  void thePolicyElementSaysWhetherPostCopyIsAllowed() {
    hosts.startIdleGuest('a', "allowed", metadata(" postcopy=\"allow\"", "migrate"));
    hosts.startIdleGuest('a', "denied", metadata(" postcopy=\"deny\"", "migrate"));
    hosts.startIdleGuest('a', "silent", metadata("", "shutdown"));
    hosts.startIdleGuest('a', "bare");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));

    assertThat(vm(a, "allowed").postCopyAllowed()).isTrue();
    assertThat(vm(a, "allowed").policy()).isEqualTo(io.vpanel.spi.hypervisor.VmPolicy.MIGRATE);
    assertThat(vm(a, "denied").postCopyAllowed()).isFalse();
    assertThat(vm(a, "silent").postCopyAllowed()).isFalse();
    assertThat(vm(a, "silent").policy()).isEqualTo(io.vpanel.spi.hypervisor.VmPolicy.SHUTDOWN);
    assertThat(vm(a, "bare").postCopyAllowed()).isFalse();
  }

  private static String metadata(String attributes, String policy) {
    return "<metadata><vpanel:vm xmlns:vpanel='"
        + NS
        + "'><vpanel:policy"
        + attributes
        + ">"
        + policy
        + "</vpanel:policy></vpanel:vm></metadata>";
  }

  /** Until QEMU sends: libvirt's job exists (and reports) before it has set QEMU's capabilities. */
  private static void awaitBytesOnTheWire(MigrationRecorder migration) {
    PATIENTLY.until(
        "bytes on the wire",
        () -> migration.progress().stream().anyMatch(p -> p.processedBytes() > 0));
    assertThat(migration.outcomes()).as("still migrating").isEmpty();
  }

  private static MigrationOutcome awaitOutcome(MigrationRecorder migration) {
    PATIENTLY.until("the migration to end", () -> !migration.outcomes().isEmpty());
    return migration.outcomes().get(0);
  }

  private static void assertSucceededOnB(MigrationOutcome outcome, String name) {
    assertThat(outcome.succeeded()).as(outcome.reason()).isTrue();
    assertThat(hosts.guests('b', false)).contains(name);
    assertThat(hosts.guests('a', true)).doesNotContain(name);
  }

  private static void assertMeasured(MigrationStats stats) {
    assertThat(stats.setup()).isPositive();
    assertThat(stats.transfer()).isPositive();
    assertThat(stats.bandwidthBytesPerSec()).isPositive();
    assertThat(stats.dirtyRateBytesPerSec()).as("memtest86+ dirties memory").isPositive();
    assertThat(stats.measured()).isTrue();
  }

  /** A QMP command on the guest's QEMU, through libvirt (tests only: it taints the domain). */
  private static long number(String virshOutput, String label) {
    String separator = label.endsWith("=") ? "" : ":";
    Matcher m =
        Pattern.compile(Pattern.quote(label + separator) + "\\s*(\\d+)").matcher(virshOutput);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static VmInfo vm(HypervisorConnection connection, String name) {
    return connection.inventory().vms().stream()
        .filter(vm -> vm.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not on " + connection.endpoint().name()));
  }

  private static String uuidOf(HypervisorConnection connection, String name) {
    return vm(connection, name).uuid();
  }
}
