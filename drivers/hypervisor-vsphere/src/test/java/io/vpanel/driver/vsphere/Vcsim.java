package io.vpanel.driver.vsphere;

import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.VcsimFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** The vcsim these tests share: one cluster of three hosts, four guests, tasks of 1.5 s. */
final class Vcsim {
  static final String[] FLAGS = {
    "-cluster", "1", "-host", "3", "-standalone-host", "0", "-vm", "4"
  };
  static final int TASK_MILLIS = 1500;

  private Vcsim() {}

  static VcsimFixture start(String name) {
    try {
      Path dir = Files.createTempDirectory("vpanel-vcsim-" + name);
      return VcsimFixture.start(dir, TASK_MILLIS, FLAGS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static VsphereSettings settings(VcsimFixture sim) {
    try {
      Path password =
          VcsimFixture.writeSecret(
              Files.createTempDirectory("vpanel-vcsim-pw").resolve("password"), sim.password());
      return VsphereSettings.defaults()
          .withConnection(sim.url(), sim.user(), password.toString(), sim.caFile().toString())
          .withShutdown(5, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static VsphereHypervisorDriver driver(VsphereSettings settings) {
    return new VsphereHypervisorDriver(settings, Instant::now);
  }

  static HostEndpoint host(String name) {
    return new HostEndpoint(name, name, name);
  }

  /** The discovered hosts, the one running most guests first. */
  static List<HostEndpoint> busiestFirst(VsphereHypervisorDriver driver) {
    return driver.discoveredHosts().stream()
        .sorted(
            Comparator.comparingLong(
                    (HostEndpoint h) -> {
                      try (var c = driver.connect(h)) {
                        HostInventory inventory = c.inventory();
                        return inventory.vms().stream()
                            .filter(vm -> vm.state() == VmState.RUNNING)
                            .count();
                      }
                    })
                .reversed()
                .thenComparing(HostEndpoint::name))
        .toList();
  }
}
