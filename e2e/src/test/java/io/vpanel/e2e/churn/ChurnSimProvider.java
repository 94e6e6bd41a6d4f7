package io.vpanel.e2e.churn;

import io.vpanel.driver.sim.SimHypervisorProvider;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;
import io.vpanel.spi.hypervisor.VmInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code driver: churn-sim} (test only, in the agent process of {@link ChurnFootprintTest}): the
 * simulator, plus a thread that stops and starts the own host's guests one after another while the
 * file {@code on} exists in the directory named by {@code -Dvpanel.churn.dir}: the guest churn of a
 * busy host, through the simulator's own connection, so the agent sees each as hypervisor events.
 * It writes the number of stop-and-start cycles done to {@code count}, and {@code idle} while it is
 * paused; {@code -Dvpanel.churn.periodMillis} (default 40) between cycles.
 */
public final class ChurnSimProvider implements HypervisorDriverProvider<SimSettings> {
  private final SimHypervisorProvider sim = new SimHypervisorProvider();

  @Override
  public String name() {
    return "churn-sim";
  }

  @Override
  public Class<SimSettings> settingsType() {
    return SimSettings.class;
  }

  @Override
  public SimSettings defaultSettings() {
    return sim.defaultSettings();
  }

  @Override
  public HypervisorDriver create(SimSettings settings, DriverContext context) {
    HypervisorDriver driver = sim.create(settings, context);
    String dir = System.getProperty("vpanel.churn.dir");
    if (dir != null) {
      long period = Long.getLong("vpanel.churn.periodMillis", 40);
      HostEndpoint self =
          driver.discoveredHosts().stream()
              .filter(h -> h.name().equals(context.localHost()))
              .findFirst()
              .orElseThrow();
      Thread.ofPlatform()
          .daemon()
          .name("churn")
          .start(() -> churn(driver.connect(self), Path.of(dir), period));
    }
    return driver;
  }

  private static void churn(HypervisorConnection host, Path dir, long period) {
    List<String> guests =
        host.inventory().vms().stream()
            .filter(vm -> vm.state().isRunning())
            .map(VmInfo::uuid)
            .toList();
    long cycles = 0;
    int next = 0;
    try {
      while (true) {
        if (!Files.exists(dir.resolve("on"))) {
          if (!Files.exists(dir.resolve("idle"))) {
            Files.writeString(dir.resolve("idle"), Long.toString(cycles));
          }
          Thread.sleep(20);
          continue;
        }
        Files.deleteIfExists(dir.resolve("idle"));
        String uuid = guests.get(next++ % guests.size());
        try {
          host.shutdown(uuid);
          Thread.sleep(period / 2);
          host.start(uuid);
          cycles++;
          Files.writeString(dir.resolve("count.tmp"), Long.toString(cycles));
          Files.move(
              dir.resolve("count.tmp"),
              dir.resolve("count"),
              java.nio.file.StandardCopyOption.ATOMIC_MOVE,
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (DriverException busy) {
          // migrating or not here (an evacuation): the next one
        }
        Thread.sleep(period / 2);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
