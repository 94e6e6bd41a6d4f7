package io.vpanel.driver.sim;

import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Evacuates one host of a generated cluster and writes down everything that happens, when. */
final class DeterminismRun {

  private DeterminismRun() {}

  static List<String> evacuate(SimSettings settings, String host) {
    VirtualScheduler scheduler = new VirtualScheduler();
    SimCluster cluster = SimCluster.generate(settings, scheduler);
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    List<String> trace = new ArrayList<>();
    for (String name : cluster.hostNames()) {
      driver
          .connect(SimHypervisorDriver.endpointOf(name))
          .subscribe(event -> trace.add(scheduler.elapsed() + " " + event));
    }
    HypervisorConnection source = driver.connect(SimHypervisorDriver.endpointOf(host));
    List<String> others = cluster.hostNames().stream().filter(name -> !name.equals(host)).toList();
    int[] running = {0};
    int next = 0;
    for (VmInfo vm : source.inventory().vms()) {
      String destination = others.get(next++ % others.size());
      running[0]++;
      source.migrate(
          vm.uuid(),
          SimHypervisorDriver.endpointOf(destination),
          MigrationOptions.DEFAULTS,
          new MigrationListener() {
            @Override
            public void onProgress(MigrationProgress progress) {
              trace.add(scheduler.elapsed() + " " + vm.name() + " " + progress);
            }

            @Override
            public void onFinished(MigrationOutcome outcome) {
              running[0]--;
              String result = outcome.succeeded() ? "finished ok" : "finished failed";
              trace.add(scheduler.elapsed() + " " + vm.name() + " " + result + " " + outcome);
            }
          });
    }
    scheduler.runUntil(() -> running[0] == 0, Duration.ofHours(2));
    trace.add("bytes " + cluster.totalBytesSent());
    return trace;
  }
}
