package io.vpanel.driver.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;
import io.vpanel.spi.hypervisor.MigrationFeature;
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

  @Test
  void guestsNamedInPostCopyGuestsAllowPostCopyAndNoOthers() {
    SimHypervisorDriver driver =
        create(SimSettings.defaults().withPostCopyGuests(java.util.List.of("vm-03")));

    assertThat(driver.cluster().allVms())
        .allSatisfy(vm -> assertThat(vm.postCopyAllowed()).isEqualTo(vm.name().equals("vm-03")));
    String host = driver.cluster().hostOf(uuidOf(driver, "vm-03")).orElseThrow();
    assertThat(driver.connect(SimHypervisorDriver.endpointOf(host)).inventory().vms())
        .filteredOn(vm -> vm.name().equals("vm-03"))
        .singleElement()
        .satisfies(vm -> assertThat(vm.postCopyAllowed()).isTrue());
  }

  @Test
  void postCopyGuestsNamingAnUnknownGuestIsRefusedWithTheGuestsItHas() {
    SimSettings settings =
        SimSettings.defaults()
            .withHosts(2)
            .withVms(6)
            .withPostCopyGuests(java.util.List.of("vm-7"));
    assertThatThrownBy(() -> create(settings))
        .isInstanceOf(DriverException.class)
        .hasMessage("postCopyGuests: the simulator has no guest 'vm-7' (it has vm-01 ... vm-06)");
  }

  @Test
  void migrationFeaturesRestrictWhatEveryHostOffers() {
    SimHypervisorDriver all = create(SimSettings.defaults());
    SimHypervisorDriver some =
        create(SimSettings.defaults().withMigrationFeatures(java.util.List.of("multifd", "ZSTD")));

    assertThat(
            all.connect(SimHypervisorDriver.endpointOf("sim-02")).inventory().migrationFeatures())
        .containsExactlyInAnyOrder(MigrationFeature.values());
    for (String host : some.cluster().hostNames()) {
      assertThat(some.connect(SimHypervisorDriver.endpointOf(host)).inventory().migrationFeatures())
          .containsExactlyInAnyOrder(MigrationFeature.MULTIFD, MigrationFeature.ZSTD);
    }
  }

  @Test
  void theSettingsGiveTheGeneratedClusterItsMigrationModel() {
    SimSettings d = SimSettings.defaults();
    SimSettings tuned =
        new SimSettings(
            d.seed(),
            d.hosts(),
            d.vms(),
            d.nicGbps(),
            d.streamGbps(),
            d.tickMillis(),
            d.maxRounds(),
            d.neverConverge(),
            750,
            2,
            5,
            2,
            8,
            4,
            d.migrationFeatures(),
            d.postCopyGuests());

    assertThat(create(tuned).cluster().model())
        .isEqualTo(
            new SimMigrationModel(Duration.ofMillis(750), 2, 5, 2, Sizes.bytesPerSecond(8), 4));
  }

  private static String uuidOf(SimHypervisorDriver driver, String name) {
    return PreCopyMigrationTest.uuid(driver.cluster(), name);
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
