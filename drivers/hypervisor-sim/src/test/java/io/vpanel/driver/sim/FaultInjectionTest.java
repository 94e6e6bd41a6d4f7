package io.vpanel.driver.sim;

import static io.vpanel.driver.sim.PreCopyMigrationTest.uuid;
import static io.vpanel.driver.sim.Sizes.GIB;
import static io.vpanel.driver.sim.Sizes.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.testkit.HypervisorEventRecorder;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {

  private static final Duration LIMIT = Duration.ofHours(1);

  private final VirtualScheduler scheduler = new VirtualScheduler();
  private SimCluster cluster;
  private SimHypervisorDriver driver;
  private String big;

  @BeforeEach
  void threeHosts() {
    cluster =
        SimCluster.builder(scheduler)
            .host("sim-01", HostShapes.roomyHost())
            .host("sim-02", HostShapes.roomyHost())
            .host("sim-03", HostShapes.roomyHost())
            .vm("sim-01", VmSpec.running("big", 16 * GIB, 4, 20 * MIB, 2 * GIB))
            .build();
    driver = new SimHypervisorDriver(cluster);
    big = uuid(cluster, "big");
  }

  @Test
  void destinationDyingMidMigrationFailsItAndLeavesTheGuestOnTheLiveSource() {
    HypervisorEventRecorder destinationEvents = new HypervisorEventRecorder();
    HypervisorConnection destination = connect("sim-02");
    destination.subscribe(destinationEvents);
    MigrationRecorder migration = migrate("sim-02", MigrationOptions.DEFAULTS);
    scheduler.advance(Duration.ofSeconds(5));

    cluster.killHost("sim-02");
    scheduler.runUntil(migration::finished, LIMIT);

    assertThat(migration.outcome().succeeded()).isFalse();
    assertThat(migration.outcome().reason()).isEqualTo("destination host sim-02 died");
    assertThat(migration.outcome().bytesSent()).isPositive();
    assertThat(liveHostsHolding(big)).containsExactly("sim-01");
    assertThat(connect("sim-01").inventory().vms())
        .singleElement()
        .satisfies(vm -> assertThat(vm.state().isRunning()).isTrue());
    assertThatThrownBy(destination::inventory)
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("sim-02");
    assertThat(destinationEvents.ofType(HypervisorEvent.ConnectionChanged.class))
        .singleElement()
        .satisfies(change -> assertThat(change.connected()).isFalse());
  }

  @Test
  void sourceDyingMidMigrationFailsItAndTheGuestStaysRecordedOnTheDeadSource() {
    MigrationRecorder migration = migrate("sim-02", MigrationOptions.DEFAULTS);
    scheduler.advance(Duration.ofSeconds(5));

    cluster.killHost("sim-01");
    scheduler.runUntil(migration::finished, LIMIT);

    assertThat(migration.outcome().reason()).isEqualTo("source host sim-01 died");
    assertThat(cluster.hostOf(big)).contains("sim-01");
    assertThat(cluster.vmsOn("sim-02")).isEmpty();
    assertThat(cluster.freeMemory("sim-02")).as("reservation released").isEqualTo(256 * GIB);
  }

  @Test
  void aRevivedHostAnswersAgainAndTellsItsSubscribers() {
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    HypervisorConnection connection = connect("sim-01");
    connection.subscribe(events);

    cluster.killHost("sim-01");
    assertThatThrownBy(connection::inventory).isInstanceOf(DriverException.class);
    cluster.reviveHost("sim-01");
    scheduler.runUntilIdle(LIMIT);

    assertThat(connection.inventory().vms()).extracting(VmInfo::uuid).containsExactly(big);
    assertThat(events.ofType(HypervisorEvent.ConnectionChanged.class))
        .extracting(HypervisorEvent.ConnectionChanged::connected)
        .containsExactly(false, true);
  }

  @Test
  void migratingToADeadHostFailsAtOnce() {
    cluster.killHost("sim-02");

    MigrationRecorder migration = migrate("sim-02", MigrationOptions.DEFAULTS);
    scheduler.runUntilIdle(LIMIT);

    assertThat(migration.outcome().reason()).contains("sim-02 is down");
    assertThat(scheduler.elapsed()).isZero();
  }

  @Test
  void aDroppedLinkFailsTheMigrationOverIt() {
    MigrationRecorder migration = migrate("sim-02", MigrationOptions.DEFAULTS);
    scheduler.advance(Duration.ofSeconds(5));

    cluster.dropLink("sim-02", "sim-01");
    scheduler.runUntil(migration::finished, LIMIT);

    assertThat(migration.outcome().reason()).isEqualTo("migration link sim-01<->sim-02 dropped");
    assertThat(cluster.hostOf(big)).contains("sim-01");
  }

  @Test
  void aMigrationStartedOverADroppedLinkFailsAfterAboutASecond() {
    cluster.dropLink("sim-01", "sim-02");

    MigrationRecorder migration = migrate("sim-02", MigrationOptions.DEFAULTS);
    scheduler.runUntil(migration::finished, LIMIT);

    assertThat(migration.outcome().reason())
        .isEqualTo("cannot reach sim-02: migration link sim-01<->sim-02 dropped");
    assertThat(migration.outcome().bytesSent()).isZero();
    assertThat(scheduler.elapsed())
        .isBetween(
            SimCluster.LINK_CONNECT_TIMEOUT, SimCluster.LINK_CONNECT_TIMEOUT.plus(cluster.tick()));
  }

  @Test
  void otherLinksKeepWorkingAndARestoredLinkCarriesMigrationsAgain() {
    cluster.dropLink("sim-01", "sim-02");
    MigrationRecorder elsewhere = migrate("sim-03", MigrationOptions.DEFAULTS);
    scheduler.runUntil(elsewhere::finished, LIMIT);
    assertThat(elsewhere.outcome().succeeded()).isTrue();

    cluster.restoreLink("sim-01", "sim-02");
    MigrationRecorder back = new MigrationRecorder();
    connect("sim-03")
        .migrate(big, SimHypervisorDriver.endpointOf("sim-01"), MigrationOptions.DEFAULTS, back);
    scheduler.runUntil(back::finished, LIMIT);
    MigrationRecorder over = migrate("sim-02", MigrationOptions.DEFAULTS);
    scheduler.runUntil(over::finished, LIMIT);

    assertThat(back.outcome().succeeded()).isTrue();
    assertThat(over.outcome().succeeded()).isTrue();
    assertThat(cluster.hostOf(big)).contains("sim-02");
  }

  @Test
  void aLinkRestoredWithinTheConnectTimeoutLetsTheWaitingMigrationProceed() {
    cluster.dropLink("sim-01", "sim-02");
    MigrationRecorder migration = migrate("sim-02", MigrationOptions.DEFAULTS);
    scheduler.advance(Duration.ofMillis(500));

    cluster.restoreLink("sim-01", "sim-02");
    scheduler.runUntil(migration::finished, LIMIT);

    assertThat(migration.outcome().succeeded()).isTrue();
    assertThat(migration.progress().get(0).bandwidthBytesPerSec()).isZero();
  }

  @Test
  void aNeverConvergingGuestKeepsMigratingUnderFullThrottleUntilAborted() {
    cluster.neverConverge(big);
    MigrationRecorder migration = migrate("sim-02", MigrationOptions.DEFAULTS);

    scheduler.advance(Duration.ofMinutes(10));
    assertThat(migration.finished()).isFalse();
    assertThat(migration.lastProgress().round()).isGreaterThan(cluster.maxRounds());
    assertThat(migration.lastProgress().dirtyRateBytesPerSec())
        .isEqualTo(Math.round(20 * MIB * (1 - 0.99)));

    migration.handle().abort();
    scheduler.runUntilIdle(LIMIT);
    MigrationOutcome outcome = migration.outcome();
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason()).isEqualTo("aborted");
    assertThat(outcome.bytesSent()).isGreaterThan(16 * GIB);
    assertThat(liveHostsHolding(big)).containsExactly("sim-01");
    assertThat(cluster.activeMigrations()).isZero();
  }

  @Test
  void aNeverConvergingGuestWithoutAutoConvergeFailsAtTheRoundLimit() {
    cluster.neverConverge(big);

    MigrationRecorder migration =
        migrate("sim-02", new MigrationOptions(Duration.ofMillis(300), 0, false, false));
    scheduler.runUntil(migration::finished, LIMIT);

    assertThat(migration.outcome().reason()).isEqualTo("not converging after 30 rounds");
  }

  @Test
  void abortAfterTheEndChangesNothing() {
    MigrationRecorder migration = migrate("sim-02", MigrationOptions.DEFAULTS);
    scheduler.runUntil(migration::finished, LIMIT);

    migration.handle().abort();
    scheduler.runUntilIdle(LIMIT);

    assertThat(migration.outcome().succeeded()).isTrue();
    assertThat(cluster.hostOf(big)).contains("sim-02");
  }

  @Test
  void faultsNameUnknownHostsAndGuests() {
    assertThatThrownBy(() -> cluster.killHost("sim-09"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sim-09")
        .hasMessageContaining("sim-01, sim-02, sim-03");
    assertThatThrownBy(() -> cluster.neverConverge("no-such-uuid"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-such-uuid");
  }

  private HypervisorConnection connect(String host) {
    return driver.connect(SimHypervisorDriver.endpointOf(host));
  }

  private MigrationRecorder migrate(String destination, MigrationOptions options) {
    MigrationRecorder migration = new MigrationRecorder();
    return migration.keep(
        connect("sim-01")
            .migrate(big, SimHypervisorDriver.endpointOf(destination), options, migration));
  }

  private List<String> liveHostsHolding(String uuid) {
    return cluster.hostNames().stream()
        .filter(cluster::isAlive)
        .filter(host -> cluster.vmsOn(host).stream().anyMatch(vm -> vm.uuid().equals(uuid)))
        .toList();
  }
}
