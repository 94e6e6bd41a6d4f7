package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.HypervisorEventRecorder;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Faults on real libvirtd + QEMU hosts: daemons dying and restarting, a guest that cannot move. */
class LibvirtFaultsTest {
  private static final Poll PATIENTLY =
      Poll.atMost(Duration.ofMinutes(2)).every(Duration.ofMillis(50));
  private static TwoHosts hosts;
  private LibvirtHypervisorDriver driver;

  @BeforeAll
  static void startHosts() {
    hosts = TwoHosts.start("faults");
  }

  @AfterAll
  static void stopHosts() {
    if (hosts != null) {
      hosts.close();
    }
  }

  @BeforeEach
  void fresh() {
    hosts.daemon('a', "start");
    hosts.daemon('b', "start");
    hosts.clearGuests();
    driver = new LibvirtHypervisorDriver(LibvirtContractTest.testSettings());
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  @Test
  void destinationDaemonKilledMidMigrationLeavesTheGuestOnExactlyTheSource() {
    hosts.startBusyGuest('a', "busy1");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    String uuid = uuidOf(a, "busy1");
    MigrationRecorder migration = new MigrationRecorder();
    // 4 MiB/s without auto-converge: memtest86+ dirties far more, so this never converges
    MigrationOptions slow =
        new MigrationOptions(Duration.ofMillis(300), 4 * 1024 * 1024, false, false);

    a.migrate(uuid, hosts.endpoint('b'), slow, migration);
    PATIENTLY.until("progress reports", () -> migration.progress().size() >= 3);
    assertThat(migration.outcomes()).isEmpty();
    hosts.daemon('b', "kill");
    PATIENTLY.until("the migration to end", () -> !migration.outcomes().isEmpty());

    MigrationOutcome outcome = migration.outcomes().get(0);
    System.out.println("destination killed: " + outcome);
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason()).contains("busy1").contains("to b").isNotBlank();
    hosts.daemon('b', "start"); // the restarted daemon cleans up the half-arrived guest
    PATIENTLY.until("b to hold no busy1", () -> hosts.guests('b', true).isEmpty());
    assertThat(hosts.virsh('a', "domstate", "busy1").strip()).isEqualTo("running");
    assertThat(stateOf(a, uuid)).isEqualTo(VmState.RUNNING);
    assertThat(migration.outcomes()).hasSize(1);
  }

  @Test
  void sourceDaemonRestartedInSteadyStateReconnectsAndLosesNothing() {
    hosts.startIdleGuest('a', "idle1");
    hosts.startIdleGuest('a', "idle2");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    HostInventory before = a.inventory();
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    a.subscribe(events);

    hosts.daemon('a', "stop");
    PATIENTLY.until("ConnectionChanged(false)", () -> connection(events, false));
    hosts.daemon('a', "start");
    PATIENTLY.until("ConnectionChanged(true)", () -> connection(events, true));

    HostInventory after = a.inventory();
    assertThat(after.vms()).containsExactlyInAnyOrderElementsOf(before.vms());
    assertThat(after.runningCount()).isEqualTo(2);
    assertThat(events.ofType(HypervisorEvent.ConnectionChanged.class))
        .extracting(HypervisorEvent.ConnectionChanged::connected)
        .containsExactly(false, true);
    // events flow again on the new connection
    hosts.startIdleGuest('a', "idle3");
    PATIENTLY.until(
        "VmChanged for idle3 after the reconnect",
        () ->
            events.any(
                e ->
                    e instanceof HypervisorEvent.VmChanged c
                        && c.vm().name().equals("idle3")
                        && c.vm().state() == VmState.RUNNING));
  }

  @Test
  void aGuestOnLocalNonSharedStorageCannotMigrateAndStaysRunning() throws Exception {
    Path disk = hosts.dir().resolve("a/guests/local.qcow2");
    Files.createDirectories(disk.getParent());
    Process qemuImg =
        new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "64M")
            .inheritIO()
            .start();
    assertThat(qemuImg.waitFor()).isZero();
    new ProcessBuilder("chown", "nobody:nogroup", disk.toString()).start().waitFor();
    hosts.startIdleGuest(
        'a',
        "pinned",
        "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            + "<source file='"
            + disk
            + "'/><target dev='vda' bus='virtio'/></disk></devices>");
    HypervisorConnection a = driver.connect(hosts.endpoint('a'));
    String uuid = uuidOf(a, "pinned");
    MigrationRecorder migration = new MigrationRecorder();

    a.migrate(uuid, hosts.endpoint('b'), MigrationOptions.DEFAULTS, migration);
    PATIENTLY.until("the migration to end", () -> !migration.outcomes().isEmpty());

    MigrationOutcome outcome = migration.outcomes().get(0);
    System.out.println("local disk: " + outcome.reason());
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason()).containsIgnoringCase("storage");
    assertThat(stateOf(a, uuid)).isEqualTo(VmState.RUNNING);
    assertThat(hosts.guests('b', true)).isEmpty();
  }

  private static boolean connection(HypervisorEventRecorder events, boolean connected) {
    return events.any(
        e -> e instanceof HypervisorEvent.ConnectionChanged c && c.connected() == connected);
  }

  private static String uuidOf(HypervisorConnection connection, String name) {
    return connection.inventory().vms().stream()
        .filter(vm -> vm.name().equals(name))
        .map(VmInfo::uuid)
        .findFirst()
        .orElseThrow();
  }

  private static VmState stateOf(HypervisorConnection connection, String uuid) {
    return connection.inventory().vms().stream()
        .filter(vm -> vm.uuid().equals(uuid))
        .map(VmInfo::state)
        .findFirst()
        .orElseThrow(() -> new AssertionError(uuid + " not on " + connection.endpoint().name()));
  }
}
