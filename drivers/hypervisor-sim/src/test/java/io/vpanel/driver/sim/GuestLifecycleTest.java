package io.vpanel.driver.sim;

import static io.vpanel.driver.sim.PreCopyMigrationTest.uuid;
import static io.vpanel.driver.sim.Sizes.GIB;
import static io.vpanel.driver.sim.Sizes.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.Subscription;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.HypervisorEventRecorder;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GuestLifecycleTest {

  private static final Duration LIMIT = Duration.ofHours(1);

  private final VirtualScheduler scheduler = new VirtualScheduler();
  private SimCluster cluster;
  private HypervisorConnection first;
  private HypervisorConnection second;

  @BeforeEach
  void twoSmallHosts() {
    HostCapacity small = new HostCapacity(16 * GIB, 8, HostShapes.NIC_10G, HostShapes.STREAM_4G);
    cluster =
        SimCluster.builder(scheduler)
            .host("sim-01", small)
            .host("sim-02", small)
            .vm("sim-01", VmSpec.running("mover", 8 * GIB, 4, 5 * MIB, GIB))
            .vm(
                "sim-02",
                VmSpec.running("resident", 12 * GIB, 2, 5 * MIB, GIB),
                VmSpec.running("parked", 8 * GIB, 2, MIB, GIB).withState(VmState.SHUTOFF))
            .build();
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    first = driver.connect(SimHypervisorDriver.endpointOf("sim-01"));
    second = driver.connect(SimHypervisorDriver.endpointOf("sim-02"));
  }

  @Test
  void shutdownSuspendAndStartChangeTheStateAndTellSubscribers() {
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    first.subscribe(events);
    String mover = uuid(cluster, "mover");

    first.shutdown(mover);
    first.start(mover);
    first.suspend(mover);
    first.start(mover);
    scheduler.runUntilIdle(LIMIT);

    assertThat(events.ofType(HypervisorEvent.VmChanged.class))
        .extracting(change -> change.vm().state())
        .containsExactly(VmState.SHUTOFF, VmState.RUNNING, VmState.SUSPENDED, VmState.RUNNING);
    assertThat(first.inventory().runningCount()).isEqualTo(1);
  }

  @Test
  void unknownGuestsAndPointlessStateChangesAreRefused() {
    String mover = uuid(cluster, "mover");
    String parked = uuid(cluster, "parked");

    assertThatThrownBy(() -> first.shutdown("no-such-uuid"))
        .isInstanceOf(DriverException.class)
        .hasMessage("no guest with uuid no-such-uuid on sim-01");
    assertThatThrownBy(() -> first.start(parked))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("on sim-01");
    assertThatThrownBy(() -> first.start(mover))
        .isInstanceOf(DriverException.class)
        .hasMessage("cannot start mover: it is running");
    assertThatThrownBy(() -> second.suspend(parked))
        .isInstanceOf(DriverException.class)
        .hasMessage("cannot suspend parked: it is shutoff");
  }

  @Test
  void onlyRunningGuestsHoldCapacitySoAShutDownGuestMakesRoomForAMigration() {
    String mover = uuid(cluster, "mover");
    MigrationRecorder refused = migrate(mover);
    scheduler.runUntilIdle(LIMIT);
    assertThat(refused.outcome().reason())
        .isEqualTo(
            "cannot migrate mover: destination sim-02 lacks room: needs 8 GiB and 4"
                + " vCPUs, has 4 GiB and 6 vCPUs free");
    assertThat(scheduler.elapsed()).as("refused at once").isZero();

    second.shutdown(uuid(cluster, "resident"));
    MigrationRecorder accepted = migrate(mover);
    scheduler.runUntil(accepted::finished, LIMIT);

    assertThat(accepted.outcome().succeeded()).isTrue();
    assertThatThrownBy(() -> second.start(uuid(cluster, "resident")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("cannot start resident on sim-02: lacks room");
  }

  @Test
  void aMigratingGuestCanNeitherMigrateTwiceNorChangeState() {
    String mover = uuid(cluster, "mover");
    second.shutdown(uuid(cluster, "resident"));
    MigrationRecorder running = migrate(mover);

    MigrationRecorder twice = migrate(mover);
    scheduler.advance(Duration.ofMillis(100));

    assertThat(twice.outcome().reason()).isEqualTo("cannot migrate mover: it is already migrating");
    assertThatThrownBy(() -> first.shutdown(mover))
        .isInstanceOf(DriverException.class)
        .hasMessage("cannot shut down mover: it is migrating");
    scheduler.runUntil(running::finished, LIMIT);
    assertThat(running.outcome().succeeded()).isTrue();
  }

  @Test
  void migrationOfAGuestThatIsNotRunningHereIsRefusedThroughTheListener() {
    MigrationRecorder unknown = migrate("no-such-uuid");
    MigrationRecorder elsewhere = migrate(uuid(cluster, "resident"));
    MigrationRecorder stopped = new MigrationRecorder();
    second.migrate(
        uuid(cluster, "parked"),
        SimHypervisorDriver.endpointOf("sim-01"),
        MigrationOptions.DEFAULTS,
        stopped);
    MigrationRecorder nowhere = new MigrationRecorder();
    first.migrate(
        uuid(cluster, "mover"),
        SimHypervisorDriver.endpointOf("sim-07"),
        MigrationOptions.DEFAULTS,
        nowhere);
    scheduler.runUntilIdle(LIMIT);

    assertThat(unknown.outcome().reason()).isEqualTo("no guest with uuid no-such-uuid on sim-01");
    assertThat(elsewhere.outcome().reason()).contains("on sim-01");
    assertThat(stopped.outcome().reason())
        .isEqualTo("cannot migrate parked: it is shutoff and only a running guest migrates live");
    assertThat(nowhere.outcome().reason())
        .isEqualTo(
            "cannot migrate mover: unknown destination host 'sim-07' (known: sim-01, sim-02)");
  }

  @Test
  void aClosedSubscriptionOrConnectionHearsNothingMore() {
    HypervisorEventRecorder closedEarly = new HypervisorEventRecorder();
    HypervisorEventRecorder closedWithConnection = new HypervisorEventRecorder();
    Subscription subscription = first.subscribe(closedEarly);
    second.subscribe(closedWithConnection);
    String mover = uuid(cluster, "mover");

    first.shutdown(mover);
    subscription.close();
    second.close();
    scheduler.runUntilIdle(LIMIT);
    first.start(mover);
    scheduler.runUntilIdle(LIMIT);

    assertThat(closedEarly.events()).isEmpty();
    assertThat(closedWithConnection.events()).isEmpty();
    assertThatThrownBy(second::inventory)
        .isInstanceOf(DriverException.class)
        .hasMessage("the connection to sim-02 is closed");
  }

  private MigrationRecorder migrate(String uuid) {
    MigrationRecorder migration = new MigrationRecorder();
    first.migrate(
        uuid, SimHypervisorDriver.endpointOf("sim-02"), MigrationOptions.DEFAULTS, migration);
    return migration;
  }
}
