package io.vpanel.driver.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class SimHypervisorProviderTest {

  private final VirtualScheduler scheduler = new VirtualScheduler();

  @Test
  void isFoundByServiceLoaderUnderTheNameSim() {
    assertThat(ServiceLoader.load(HypervisorDriverProvider.class))
        .extracting(HypervisorDriverProvider::name)
        .contains("sim");
  }

  @Test
  void discoversOneEndpointPerSimulatedHost() {
    SimHypervisorDriver driver = create(SimSettings.defaults().withHosts(3));

    assertThat(driver.discoveredHosts())
        .containsExactly(
            new HostEndpoint("sim-01", "sim://sim-01", "sim://sim-01"),
            new HostEndpoint("sim-02", "sim://sim-02", "sim://sim-02"),
            new HostEndpoint("sim-03", "sim://sim-03", "sim://sim-03"));
    assertThat(driver.cluster().hostNames()).containsExactly("sim-01", "sim-02", "sim-03");
  }

  @Test
  void connectingToAnUnknownHostNamesTheKnownOnes() {
    SimHypervisorDriver driver = create(SimSettings.defaults().withHosts(2));

    assertThatThrownBy(
            () -> driver.connect(new HostEndpoint("rack12-u07", "sim://rack12-u07", null)))
        .isInstanceOf(DriverException.class)
        .hasMessage("the simulator has no host 'rack12-u07' (it has sim-01, sim-02)");
  }

  @Test
  void aDestinationNamedOnlyByItsMigrationUriIsFound() {
    SimHypervisorDriver driver = create(SimSettings.defaults());
    var vm = driver.cluster().vmsOn("sim-01").get(0);
    MigrationRecorder migration = new MigrationRecorder();

    driver
        .connect(SimHypervisorDriver.endpointOf("sim-01"))
        .migrate(
            vm.uuid(),
            new HostEndpoint("peer", "", "sim://sim-02"),
            MigrationOptions.DEFAULTS,
            migration);
    scheduler.runUntil(migration::finished, Duration.ofHours(1));

    assertThat(migration.outcome().succeeded()).isTrue();
    assertThat(driver.cluster().hostOf(vm.uuid())).contains("sim-02");
  }

  @Test
  void aGuestNamedInNeverConvergeNeverFinishesMigrating() {
    SimSettings d = SimSettings.defaults();
    SimHypervisorDriver driver =
        create(
            new SimSettings(
                d.seed(),
                d.hosts(),
                d.vms(),
                d.nicGbps(),
                d.streamGbps(),
                d.tickMillis(),
                d.maxRounds(),
                java.util.List.of("vm-01")));
    var stuck =
        driver.cluster().allVms().stream()
            .filter(v -> v.name().equals("vm-01"))
            .findFirst()
            .orElseThrow();
    var other =
        driver.cluster().allVms().stream()
            .filter(v -> !v.name().equals("vm-01"))
            .findFirst()
            .orElseThrow();
    MigrationRecorder stuckMove = move(driver, stuck);
    MigrationRecorder otherMove = move(driver, other);

    scheduler.runUntil(otherMove::finished, Duration.ofHours(1));
    scheduler.advance(Duration.ofMinutes(30));

    assertThat(otherMove.outcome().succeeded()).isTrue();
    assertThat(stuckMove.finished()).as("vm-01 is still migrating after 30 min").isFalse();
  }

  @Test
  void neverConvergeNamingAnUnknownGuestIsRefusedWithTheGuestsItHas() {
    SimSettings d = SimSettings.defaults();
    SimSettings settings =
        new SimSettings(
            d.seed(),
            2,
            6,
            d.nicGbps(),
            d.streamGbps(),
            d.tickMillis(),
            d.maxRounds(),
            java.util.List.of("vm-99"));
    assertThatThrownBy(() -> create(settings))
        .isInstanceOf(DriverException.class)
        .hasMessage("neverConverge: the simulator has no guest 'vm-99' (it has vm-01 ... vm-06)");
  }

  private static MigrationRecorder move(
      SimHypervisorDriver driver, io.vpanel.spi.hypervisor.VmInfo vm) {
    String from = driver.cluster().hostOf(vm.uuid()).orElseThrow();
    String to = from.equals("sim-01") ? "sim-02" : "sim-01";
    MigrationRecorder migration = new MigrationRecorder();
    driver
        .connect(SimHypervisorDriver.endpointOf(from))
        .migrate(
            vm.uuid(), SimHypervisorDriver.endpointOf(to), MigrationOptions.DEFAULTS, migration);
    return migration;
  }

  @Test
  void closingTheDriverItCreatedEndsRunningMigrations() {
    SimHypervisorDriver driver = create(SimSettings.defaults());
    var vm = driver.cluster().vmsOn("sim-01").get(0);
    MigrationRecorder migration = new MigrationRecorder();
    driver
        .connect(SimHypervisorDriver.endpointOf("sim-01"))
        .migrate(
            vm.uuid(),
            SimHypervisorDriver.endpointOf("sim-02"),
            MigrationOptions.DEFAULTS,
            migration);

    driver.close();
    scheduler.runUntilIdle(Duration.ofSeconds(1));

    assertThat(migration.outcome().reason()).isEqualTo("the simulator shut down");
    assertThat(driver.cluster().hostOf(vm.uuid())).contains("sim-01");
  }

  @Test
  void aSharedClusterOutlivesTheDriversOverIt() {
    SimCluster cluster = SimCluster.generate(SimSettings.defaults(), scheduler);
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    var connection = driver.connect(SimHypervisorDriver.endpointOf("sim-01"));

    driver.close();

    assertThatThrownBy(connection::inventory).isInstanceOf(DriverException.class);
    assertThat(
            new SimHypervisorDriver(cluster)
                .connect(SimHypervisorDriver.endpointOf("sim-01"))
                .inventory()
                .vms())
        .isNotEmpty();
  }

  private SimHypervisorDriver create(SimSettings settings) {
    return (SimHypervisorDriver)
        new SimHypervisorProvider().create(settings, new DriverContext(scheduler, "sim-01"));
  }
}
