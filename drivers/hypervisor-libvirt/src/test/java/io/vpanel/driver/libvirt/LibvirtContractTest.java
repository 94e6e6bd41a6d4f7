package io.vpanel.driver.libvirt;

import io.vpanel.testkit.HypervisorDriverContract;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The hypervisor driver contract against two real libvirtd + QEMU (TCG) hosts in network
 * namespaces. Each test starts from two idle guests running on host a.
 */
class LibvirtContractTest extends HypervisorDriverContract {
  private static TwoHosts hosts;

  /** Tests' settings: quick progress reports; guests without an OS ignore ACPI, so force off. */
  static LibvirtSettings testSettings() {
    LibvirtSettings d = LibvirtSettings.defaults().withShutdown(2, true).withAutoConverge(50, 25);
    return new LibvirtSettings(
        d.keepaliveSeconds(),
        d.keepaliveCount(),
        2,
        d.migrationBandwidthMiBps(),
        d.nicGbps(),
        d.streamGbps(),
        0,
        d.vcpuOvercommit(),
        d.defaultPolicy(),
        d.policyMetadataNamespace(),
        100,
        d.autoConvergeInitialPercent(),
        d.autoConvergeIncrementPercent(),
        d.postCopyAfterRounds(),
        d.shutdownTimeoutSeconds(),
        d.forceOffAfterShutdownTimeout(),
        d.dirtyRateSampleSeconds(),
        d.downtimeCeilingMillis(),
        d.downtimeStepRounds());
  }

  @BeforeAll
  static void startHosts() {
    hosts = TwoHosts.start("contract");
  }

  @AfterAll
  static void stopHosts() {
    if (hosts != null) {
      hosts.close();
    }
  }

  @Override
  protected Fixture createFixture() {
    hosts.clearGuests();
    hosts.startIdleGuest('a', "idle1");
    hosts.startIdleGuest('a', "idle2");
    return new Fixture(
        new LibvirtHypervisorDriver(testSettings()), hosts.endpoint('a'), hosts.endpoint('b'));
  }

  @Override
  protected void await(BooleanSupplier condition, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .until(condition::getAsBoolean);
  }
}
