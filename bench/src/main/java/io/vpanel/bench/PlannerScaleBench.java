package io.vpanel.bench;

import io.vpanel.core.plan.EvacuationPlanner;
import io.vpanel.core.plan.Plan;
import io.vpanel.core.plan.TargetHost;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * How long the pre-check takes as the cluster grows: plan the evacuation of one host of a cluster
 * of {@code hosts} hosts with {@code vms} guests in all, placement and the concurrency choice
 * included.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PlannerScaleBench {
  static final long GIB = 1024L * 1024 * 1024;

  /**
   * {@code HOSTSxVMS}: cluster size and guests in the whole cluster. Two series: 20 guests per host
   * on 10, 100 and 1,000 hosts; and 100 hosts with 1 to 200 guests each.
   */
  @Param({"10x200", "100x2000", "1000x20000", "100x100", "100x5000", "100x20000"})
  public String size;

  private HostCapacity source;
  private List<VmInfo> vms;
  private List<TargetHost> targets;

  @Setup
  public void build() {
    String[] parts = size.split("x");
    int hosts = Integer.parseInt(parts[0]);
    int total = Integer.parseInt(parts[1]);
    int perHost = Math.max(1, total / hosts);
    SplittableRandom random = new SplittableRandom(7);
    long hostMemory = perHost * 8L * GIB;
    HostCapacity capacity = new HostCapacity(hostMemory, perHost * 8, 1_250_000_000L, 500_000_000L);
    source = capacity;
    vms = new ArrayList<>();
    for (int i = 0; i < perHost; i++) {
      long memory = (1L << random.nextInt(4)) * GIB;
      vms.add(
          new VmInfo(
              "u" + i,
              "vm-" + i,
              VmState.RUNNING,
              memory,
              1 + random.nextInt(4),
              random.nextInt(200) * 1_000_000L,
              VmPolicy.MIGRATE));
    }
    targets = new ArrayList<>();
    for (int h = 1; h < hosts; h++) {
      long used = (long) (hostMemory * (0.3 + 0.4 * random.nextDouble()));
      targets.add(new TargetHost("h" + h, capacity, used, perHost * 4));
    }
  }

  @Benchmark
  public Plan plan() {
    return EvacuationPlanner.plan("h0", source, vms, targets);
  }
}
