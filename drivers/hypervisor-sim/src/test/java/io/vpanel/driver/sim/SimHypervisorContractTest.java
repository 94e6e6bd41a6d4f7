package io.vpanel.driver.sim;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;
import io.vpanel.testkit.HypervisorDriverContract;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.BooleanSupplier;

/** The simulator, found by name as the agent finds it, held to every hypervisor driver's duty. */
class SimHypervisorContractTest extends HypervisorDriverContract {

  private VirtualScheduler scheduler;

  @Override
  protected Fixture createFixture() {
    scheduler = new VirtualScheduler();
    HypervisorDriver driver = createByName("sim");
    List<HostEndpoint> hosts = driver.discoveredHosts();
    return new Fixture(driver, hosts.get(0), hosts.get(1));
  }

  @Override
  protected void await(BooleanSupplier condition, Duration timeout) {
    scheduler.runUntil(condition, timeout);
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private HypervisorDriver createByName(String name) {
    HypervisorDriverProvider provider =
        ServiceLoader.load(HypervisorDriverProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(candidate -> candidate.name().equals(name))
            .findFirst()
            .orElseThrow();
    return (HypervisorDriver)
        provider.create(provider.defaultSettings(), new DriverContext(scheduler, "sim-01"));
  }
}
