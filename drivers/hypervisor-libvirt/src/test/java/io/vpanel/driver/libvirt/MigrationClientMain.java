package io.vpanel.driver.libvirt;

import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import java.time.Duration;

/**
 * The agent stand-in that {@link LibvirtReattachTest} kills with SIGKILL: starts a migration
 * through the driver and prints {@code PROGRESS} at each report (and {@code FINISHED} at the end,
 * which the test does not expect to see). Args: sourceUri destName destUri destMigrationUri uuid
 * bandwidthBytesPerSec.
 */
public final class MigrationClientMain {
  private MigrationClientMain() {}

  public static void main(String[] args) throws InterruptedException {
    LibvirtHypervisorDriver driver =
        new LibvirtHypervisorDriver(LibvirtContractTest.testSettings());
    var source = driver.connect(new HostEndpoint("a", args[0], ""));
    HostEndpoint destination = new HostEndpoint(args[1], args[2], args[3]);
    MigrationOptions options =
        new MigrationOptions(Duration.ofMillis(300), Long.parseLong(args[5]), false, false);
    source.migrate(
        args[4],
        destination,
        options,
        new MigrationListener() {
          @Override
          public void onProgress(MigrationProgress progress) {
            System.out.println("PROGRESS " + progress.processedBytes());
            System.out.flush();
          }

          @Override
          public void onFinished(MigrationOutcome outcome) {
            System.out.println("FINISHED " + outcome);
            System.out.flush();
          }
        });
    // Not a wait for a condition: the agent stand-in runs until the test kills it (SIGKILL).
    Thread.sleep(Long.MAX_VALUE);
  }
}
