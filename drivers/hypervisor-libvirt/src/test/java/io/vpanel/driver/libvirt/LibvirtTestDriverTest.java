package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.Subscription;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.VirtualScheduler;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inventory, events, local actions and error paths against libvirt's test driver with a node XML
 * ({@code test:///ABSOLUTE/PATH/node.xml}). The test driver cannot migrate; migration is covered by
 * {@link LibvirtContractTest} on real daemons. Each connection to the test URI gets a fresh copy of
 * the node, and its events reach only the connection that made the change.
 */
class LibvirtTestDriverTest {
  private static final String WEB1 = "6695eb01-f6a4-4304-a1aa-0c3e0a5c2b01";
  private static final String DB1 = "6695eb01-f6a4-4304-a1aa-0c3e0a5c2b02";
  private static final String LICENSE = "6695eb01-f6a4-4304-a1aa-0c3e0a5c2b03";
  private static final String SPARE = "6695eb01-f6a4-4304-a1aa-0c3e0a5c2b04";
  private static final String TYPO = "6695eb01-f6a4-4304-a1aa-0c3e0a5c2b05";
  private static final long MIB = 1024 * 1024;

  private LibvirtHypervisorDriver driver;
  private HostEndpoint host;

  @BeforeEach
  void open() throws URISyntaxException {
    Path node = Path.of(getClass().getResource("/testdriver/node.xml").toURI()).toAbsolutePath();
    host = new HostEndpoint("rack1-u01", "test://" + node, null);
    driver = new LibvirtHypervisorDriver(LibvirtContractTest.testSettings());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void inventoryListsRunningAndShutOffGuestsWithSizesStatesAndPolicies() {
    HostInventory inventory = driver.connect(host).inventory();

    assertThat(inventory.host()).isEqualTo("rack1-u01");
    Map<String, VmInfo> byUuid =
        inventory.vms().stream().collect(Collectors.toMap(VmInfo::uuid, Function.identity()));
    assertThat(byUuid).containsOnlyKeys(WEB1, DB1, LICENSE, SPARE, TYPO);
    assertThat(byUuid.get(WEB1))
        .isEqualTo(new VmInfo(WEB1, "web1", VmState.RUNNING, 1024 * MIB, 2, 0, VmPolicy.MIGRATE));
    assertThat(byUuid.get(DB1).policy()).isEqualTo(VmPolicy.SHUTDOWN);
    assertThat(byUuid.get(DB1).memoryBytes()).isEqualTo(4096 * MIB);
    assertThat(byUuid.get(DB1).vcpus()).isEqualTo(4);
    assertThat(byUuid.get(LICENSE).policy()).isEqualTo(VmPolicy.BLOCK);
    assertThat(byUuid.get(SPARE).state()).isEqualTo(VmState.SHUTOFF);
    assertThat(byUuid.get(SPARE).policy()).isEqualTo(VmPolicy.MIGRATE);
    assertThat(byUuid.get(TYPO).policy())
        .as("a policy vpanel does not know protects the guest")
        .isEqualTo(VmPolicy.BLOCK);
    assertThat(inventory.runningCount()).isEqualTo(3);
  }

  @Test
  void capacityIsNodeMemoryMinusTheReserveAndCpusTimesOvercommit() {
    LibvirtSettings settings =
        new LibvirtSettings(
            5,
            5,
            30,
            0,
            25,
            8,
            512,
            2,
            VmPolicy.MIGRATE,
            LibvirtSettings.DEFAULT_NAMESPACE,
            300,
            20,
            10,
            5,
            120,
            false,
            0,
            0,
            10);
    try (LibvirtHypervisorDriver own = new LibvirtHypervisorDriver(settings)) {
      var capacity = own.connect(host).inventory().capacity();

      assertThat(capacity.memoryBytes()).isEqualTo(8192 * MIB - 512 * MIB);
      assertThat(capacity.vcpus()).isEqualTo(32);
      assertThat(capacity.nicBytesPerSec()).isEqualTo(3_125_000_000L);
      assertThat(capacity.streamBytesPerSec()).isEqualTo(1_000_000_000L);
    }
  }

  @Test
  void shutdownSuspendAndStartAreSeenAsEventsInOrder() {
    HypervisorConnection connection = driver.connect(host);
    List<HypervisorEvent> events = Collections.synchronizedList(new ArrayList<>());
    try (Subscription ignored = connection.subscribe(events::add)) {
      connection.shutdown(WEB1);
      await().atMost(Duration.ofSeconds(10)).until(() -> sawState(events, WEB1, VmState.SHUTOFF));
      connection.start(WEB1);
      await().atMost(Duration.ofSeconds(10)).until(() -> sawState(events, WEB1, VmState.RUNNING));
      connection.suspend(DB1);
      await().atMost(Duration.ofSeconds(10)).until(() -> sawState(events, DB1, VmState.SUSPENDED));
      assertThat(stateOf(connection, DB1)).isEqualTo(VmState.SUSPENDED);
      connection.start(DB1);
      await().atMost(Duration.ofSeconds(10)).until(() -> sawState(events, DB1, VmState.RUNNING));
    }
    assertThat(stateOf(connection, WEB1)).isEqualTo(VmState.RUNNING);
    assertThat(stateOf(connection, DB1)).isEqualTo(VmState.RUNNING);
  }

  @Test
  void migratingAnUnknownGuestFailsOnceNamingTheUuid() {
    MigrationRecorder migration = new MigrationRecorder();
    String unknown = "00000000-0000-4000-8000-00000000dead";

    driver.connect(host).migrate(unknown, host, MigrationOptions.DEFAULTS, migration);

    await().atMost(Duration.ofSeconds(10)).until(() -> !migration.outcomes().isEmpty());
    assertThat(migration.outcomes()).hasSize(1);
    assertThat(migration.outcomes().get(0).succeeded()).isFalse();
    assertThat(migration.outcomes().get(0).reason()).contains(unknown).contains("rack1-u01");
  }

  @Test
  void aMigrationTheHypervisorRefusesFailsOnceWithLibvirtsReason() {
    MigrationRecorder migration = new MigrationRecorder();
    HostEndpoint nowhere = new HostEndpoint("rack1-u02", "test:///default", "test:///default");

    driver.connect(host).migrate(WEB1, nowhere, MigrationOptions.DEFAULTS, migration);

    await().atMost(Duration.ofSeconds(20)).until(() -> !migration.outcomes().isEmpty());
    Thread.onSpinWait();
    assertThat(migration.outcomes()).hasSize(1);
    MigrationOutcome outcome = migration.outcomes().get(0);
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason()).contains("web1").contains("rack1-u02");
    assertThat(stateOf(driver.connect(host), WEB1)).isEqualTo(VmState.RUNNING);
  }

  @Test
  void actionsOnAnUnknownGuestNameTheUuidAndHost() {
    HypervisorConnection connection = driver.connect(host);
    String unknown = "00000000-0000-4000-8000-00000000beef";

    assertThatThrownBy(() -> connection.shutdown(unknown))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining(unknown)
        .hasMessageContaining("rack1-u01");
    assertThatThrownBy(() -> connection.start(unknown)).isInstanceOf(DriverException.class);
    assertThatThrownBy(() -> connection.suspend(unknown)).isInstanceOf(DriverException.class);
  }

  @Test
  void connectingToAMissingNodeFileOrAnUnknownSchemeSaysWhereAndWhy() {
    HostEndpoint missing = new HostEndpoint("rack9", "test:///nonexistent/node.xml", null);
    assertThatThrownBy(() -> driver.connect(missing))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("rack9")
        .hasMessageContaining("test:///nonexistent/node.xml");
    HostEndpoint bad = new HostEndpoint("rack8", "nosuch://host/system", null);
    assertThatThrownBy(() -> driver.connect(bad))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("rack8");
    HostEndpoint blank = new HostEndpoint("rack7", "", null);
    assertThatThrownBy(() -> driver.connect(blank))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("hypervisor.uri");
  }

  @Test
  void aClosedConnectionRefusesCallsClearly() {
    HypervisorConnection connection = driver.connect(host);
    connection.close();

    assertThatThrownBy(connection::inventory)
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void theProviderIsFoundByNameAndItsSettingsRefuseBadValues() {
    @SuppressWarnings("rawtypes")
    List<HypervisorDriverProvider> providers =
        ServiceLoader.load(HypervisorDriverProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("libvirt"))
            .toList();
    assertThat(providers).hasSize(1);
    LibvirtHypervisorProvider provider = (LibvirtHypervisorProvider) providers.get(0);
    assertThat(provider.defaultSettings()).isEqualTo(LibvirtSettings.defaults());
    try (var created =
        provider.create(
            provider.defaultSettings(), new DriverContext(new VirtualScheduler(), "h"))) {
      assertThat(created).isInstanceOf(LibvirtHypervisorDriver.class);
    }
    LibvirtSettings d = LibvirtSettings.defaults();
    assertThatThrownBy(() -> d.withNetwork(0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nicGbps");
    assertThatThrownBy(() -> d.withShutdown(0, false))
        .hasMessageContaining("shutdownTimeoutSeconds must be between 1 and 3600, was 0");
    assertThatThrownBy(() -> d.withAutoConverge(0, 10))
        .hasMessageContaining("autoConvergeInitialPercent");
  }

  @Test
  void policyMetadataIsReadWithOrWithoutAPrefix() {
    assertThat(LibvirtConnection.parsePolicy("<vm>\n  <policy>shutdown</policy>\n</vm>", null))
        .isEqualTo(VmPolicy.SHUTDOWN);
    assertThat(
            LibvirtConnection.parsePolicy(
                "<v:vm xmlns:v='x'><v:policy> Suspend </v:policy></v:vm>", null))
        .isEqualTo(VmPolicy.SUSPEND);
    assertThat(LibvirtConnection.parsePolicy("<vm/>", VmPolicy.MIGRATE))
        .isEqualTo(VmPolicy.MIGRATE);
    assertThat(LibvirtConnection.parsePolicy("<vm><policy>evict</policy></vm>", VmPolicy.MIGRATE))
        .isEqualTo(VmPolicy.BLOCK);
  }

  private static boolean sawState(List<HypervisorEvent> events, String uuid, VmState state) {
    synchronized (events) {
      return events.stream()
          .anyMatch(
              e ->
                  e instanceof HypervisorEvent.VmChanged c
                      && c.vm().uuid().equals(uuid)
                      && c.vm().state() == state);
    }
  }

  private static VmState stateOf(HypervisorConnection connection, String uuid) {
    return connection.inventory().vms().stream()
        .filter(vm -> vm.uuid().equals(uuid))
        .findFirst()
        .orElseThrow()
        .state();
  }
}
