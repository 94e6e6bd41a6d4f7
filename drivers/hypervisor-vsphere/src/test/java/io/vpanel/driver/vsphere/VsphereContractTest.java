package io.vpanel.driver.vsphere;

import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.testkit.HypervisorDriverContract;
import io.vpanel.testkit.VcsimFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The hypervisor driver contract against vcsim (vpanel's build with background RelocateVM_Task and
 * CancelTask, {@link VcsimFixture}); each test starts from a fresh simulator inventory.
 */
class VsphereContractTest extends HypervisorDriverContract {
  private static VcsimFixture sim;

  @BeforeAll
  static void startSimulator() {
    sim = Vcsim.start("contract");
  }

  @AfterAll
  static void stopSimulator() {
    if (sim != null) {
      sim.close();
    }
  }

  @Override
  protected Fixture createFixture() {
    try {
      sim.stop();
      sim.restart();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    VsphereHypervisorDriver driver = Vcsim.driver(Vcsim.settings(sim));
    List<HostEndpoint> hosts = Vcsim.busiestFirst(driver);
    return new Fixture(driver, hosts.get(0), hosts.get(1));
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  @Override
  protected void await(BooleanSupplier condition, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }
}
