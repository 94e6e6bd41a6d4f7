package io.vpanel.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.Subscription;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every hypervisor driver owes vpanel. A driver's test subclasses this, supplies a
 * {@link Fixture} against its real peer (or the simulator) and a way to wait, and inherits every
 * test.
 *
 * <p>Drivers may report a migration that cannot start (unknown guest, no room on the destination)
 * either by throwing {@link DriverException} from {@code migrate} or through exactly one failed
 * {@link MigrationListener#onFinished}; the contract accepts both, never both at once.
 */
public abstract class HypervisorDriverContract {

  /**
   * What the contract runs against.
   *
   * @param driver a fresh driver; the contract closes it after each test
   * @param source a host with at least one running guest of policy {@code migrate}
   * @param destination a host with room for the smallest such guest of {@code source}
   */
  public record Fixture(HypervisorDriver driver, HostEndpoint source, HostEndpoint destination) {
    public Fixture {
      Objects.requireNonNull(driver, "driver");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(destination, "destination");
    }
  }

  private Fixture fixture;
  private final List<HypervisorConnection> connections = new ArrayList<>();

  /** Builds the driver and names the two hosts; called before each test. */
  protected abstract Fixture createFixture();

  /**
   * Returns once {@code condition} holds, or fails the test after {@code timeout}. A simulator runs
   * its virtual clock; a real peer polls.
   */
  protected abstract void await(BooleanSupplier condition, Duration timeout);

  /** How long any one awaited thing may take; generous, since real peers are slow. */
  protected Duration timeout() {
    return Duration.ofMinutes(2);
  }

  /** A host the driver cannot reach. */
  protected HostEndpoint unknownEndpoint() {
    return new HostEndpoint(
        "vpanel-contract-no-such-host", "unknown://vpanel-contract-no-such-host", null);
  }

  /** Returns the fixture's peers to their starting state, if it reuses them; called after each. */
  protected void releaseFixture(Fixture used) {}

  @BeforeEach
  final void openFixture() {
    fixture = createFixture();
  }

  @AfterEach
  final void closeFixture() {
    connections.forEach(HypervisorConnection::close);
    connections.clear();
    fixture.driver().close();
    releaseFixture(fixture);
  }

  @Test
  void inventoryListsVmsWithUniqueUuidsPositiveSizesAndAPositiveCapacity() {
    HostInventory inventory = connect(fixture.source()).inventory();

    assertThat(inventory.host()).isEqualTo(fixture.source().name());
    assertThat(inventory.capacity().memoryBytes()).isPositive();
    assertThat(inventory.capacity().vcpus()).isPositive();
    assertThat(inventory.vms()).isNotEmpty();
    assertThat(inventory.vms()).extracting(VmInfo::uuid).doesNotHaveDuplicates();
    assertThat(inventory.vms())
        .allSatisfy(
            vm -> {
              assertThat(vm.uuid()).isNotBlank();
              assertThat(vm.name()).isNotBlank();
              assertThat(vm.memoryBytes()).isPositive();
              assertThat(vm.vcpus()).isPositive();
            });
  }

  @Test
  void runningCountMatchesTheGuestsReportedRunning() {
    HostInventory inventory = connect(fixture.source()).inventory();

    long running = inventory.vms().stream().filter(vm -> vm.state() == VmState.RUNNING).count();
    assertThat(inventory.runningCount()).isEqualTo(running).isPositive();
  }

  @Test
  void subscriptionSeesAGuestShutDownAndStartAgain() {
    HypervisorConnection source = connect(fixture.source());
    VmInfo vm = migratableGuest(source);
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    try (Subscription ignored = source.subscribe(events)) {
      source.shutdown(vm.uuid());
      awaitEvent(events, changed(vm.uuid(), VmState.SHUTOFF), "VmChanged to SHUTOFF");
      assertThat(stateOf(source, vm.uuid())).isEqualTo(VmState.SHUTOFF);

      source.start(vm.uuid());
      awaitEvent(events, changed(vm.uuid(), VmState.RUNNING), "VmChanged to RUNNING");
      assertThat(stateOf(source, vm.uuid())).isEqualTo(VmState.RUNNING);
    }
  }

  @Test
  void liveMigrationReportsProgressThenFinishesOnceWithTheGuestRunningOnlyOnTheDestination() {
    HypervisorConnection source = connect(fixture.source());
    HypervisorConnection destination = connect(fixture.destination());
    VmInfo vm = migratableGuest(source);
    HypervisorEventRecorder sourceEvents = new HypervisorEventRecorder();
    HypervisorEventRecorder destinationEvents = new HypervisorEventRecorder();
    source.subscribe(sourceEvents);
    destination.subscribe(destinationEvents);
    MigrationRecorder migration = new MigrationRecorder();

    source.migrate(vm.uuid(), fixture.destination(), MigrationOptions.DEFAULTS, migration);
    await(migration::finished, timeout());

    MigrationOutcome outcome = migration.outcome();
    assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
    assertThat(outcome.reason()).isEmpty();
    assertThat(outcome.bytesSent()).isPositive();
    assertThat(migration.progressAfterFinish()).as("progress reported after the end").isZero();
    List<Long> processed =
        migration.progress().stream().map(MigrationProgress::processedBytes).toList();
    assertThat(processed).as("processed bytes over time").isSorted();
    processed.forEach(bytes -> assertThat(bytes).isBetween(0L, outcome.bytesSent()));
    migration.progress().forEach(report -> assertThat(report.totalBytes()).isPositive());

    awaitEvent(sourceEvents, gone(vm.uuid()), "VmGone on the source");
    awaitEvent(destinationEvents, changed(vm.uuid(), VmState.RUNNING), "VmChanged on the target");
    assertThat(stateOf(destination, vm.uuid())).isEqualTo(VmState.RUNNING);
    assertThat(source.inventory().vms()).extracting(VmInfo::uuid).doesNotContain(vm.uuid());
    assertThat(migration.finishedCount()).as("onFinished calls").isEqualTo(1);
  }

  @Test
  void abortDuringMigrationLeavesTheGuestOnTheSource() {
    HypervisorConnection source = connect(fixture.source());
    HypervisorConnection destination = connect(fixture.destination());
    VmInfo vm = migratableGuest(source);
    // A tight bandwidth cap keeps the migration running long enough to be aborted.
    MigrationOptions slow = new MigrationOptions(Duration.ofMillis(300), 1024 * 1024, true, false);
    MigrationRecorder migration = new MigrationRecorder();

    MigrationHandle handle = source.migrate(vm.uuid(), fixture.destination(), slow, migration);
    await(() -> !migration.progress().isEmpty() || migration.finished(), timeout());
    assertThat(migration.finished()).as("finished before it could be aborted").isFalse();
    handle.abort();
    await(migration::finished, timeout());

    assertThat(migration.outcome().succeeded()).isFalse();
    assertThat(migration.outcome().reason()).isNotBlank();
    assertThat(stateOf(source, vm.uuid())).isEqualTo(VmState.RUNNING);
    assertThat(destination.inventory().vms()).extracting(VmInfo::uuid).doesNotContain(vm.uuid());
    assertThat(migration.finishedCount()).isEqualTo(1);
  }

  @Test
  void migratingAnUnknownGuestFailsWithAClearReason() {
    HypervisorConnection source = connect(fixture.source());
    String unknown = "00000000-0000-4000-8000-00000000dead";
    MigrationRecorder migration = new MigrationRecorder();

    String reason;
    try {
      source.migrate(unknown, fixture.destination(), MigrationOptions.DEFAULTS, migration);
      await(migration::finished, timeout());
      assertThat(migration.outcome().succeeded()).isFalse();
      assertThat(migration.finishedCount()).isEqualTo(1);
      reason = migration.outcome().reason();
    } catch (DriverException thrown) {
      assertThat(migration.finishedCount()).as("onFinished after a throw").isZero();
      reason = thrown.getMessage();
    }
    assertThat(reason).isNotBlank().containsIgnoringCase(unknown);
  }

  @Test
  void aClosedSubscriptionReceivesNothingMore() {
    HypervisorConnection source = connect(fixture.source());
    VmInfo vm = migratableGuest(source);
    HypervisorEventRecorder closed = new HypervisorEventRecorder();
    HypervisorEventRecorder open = new HypervisorEventRecorder();
    Subscription toClose = source.subscribe(closed);
    source.subscribe(open);

    toClose.close();
    int seenBeforeClose = closed.size();
    source.shutdown(vm.uuid());
    awaitEvent(open, changed(vm.uuid(), VmState.SHUTOFF), "VmChanged to SHUTOFF");
    source.start(vm.uuid());
    awaitEvent(open, changed(vm.uuid(), VmState.RUNNING), "VmChanged to RUNNING");

    assertThat(closed.size()).isEqualTo(seenBeforeClose);
  }

  @Test
  void connectingToAnUnknownHostFailsWithADriverException() {
    HypervisorDriver driver = fixture.driver();

    assertThatThrownBy(() -> connections.add(driver.connect(unknownEndpoint())))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining(unknownEndpoint().name());
  }

  // ------------------------------------------------------------------ helpers

  private HypervisorConnection connect(HostEndpoint endpoint) {
    HypervisorConnection connection = fixture.driver().connect(endpoint);
    connections.add(connection);
    return connection;
  }

  /** The smallest running guest that maintenance would migrate: the quickest to move. */
  private static VmInfo migratableGuest(HypervisorConnection connection) {
    return connection.inventory().vms().stream()
        .filter(vm -> vm.state() == VmState.RUNNING && vm.policy() == VmPolicy.MIGRATE)
        .min(Comparator.comparingLong(VmInfo::memoryBytes).thenComparing(VmInfo::name))
        .orElseThrow(
            () ->
                new AssertionError(
                    "the fixture's source host has no running guest of policy migrate"));
  }

  private static VmState stateOf(HypervisorConnection connection, String uuid) {
    return connection.inventory().vms().stream()
        .filter(vm -> vm.uuid().equals(uuid))
        .map(VmInfo::state)
        .findFirst()
        .orElseThrow(() -> new AssertionError(uuid + " is not on " + connection.endpoint().name()));
  }

  private void awaitEvent(
      HypervisorEventRecorder events, Predicate<HypervisorEvent> wanted, String what) {
    try {
      await(() -> events.events().stream().anyMatch(wanted), timeout());
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionError("no " + what + " among " + events.events(), e);
    }
  }

  private static Predicate<HypervisorEvent> changed(String uuid, VmState state) {
    return event ->
        event instanceof HypervisorEvent.VmChanged change
            && change.vm().uuid().equals(uuid)
            && change.vm().state() == state;
  }

  private static Predicate<HypervisorEvent> gone(String uuid) {
    return event -> event instanceof HypervisorEvent.VmGone left && left.uuid().equals(uuid);
  }
}
