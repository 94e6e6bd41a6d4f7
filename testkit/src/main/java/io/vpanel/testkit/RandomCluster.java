package io.vpanel.testkit;

import io.vpanel.spi.hypervisor.HostCapacity;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A random small cluster as plain data, for engine properties and the crash harness: 2 to 5 hosts
 * {@code h1..hN} of 16 to 64 GiB and 8 to 24 vCPUs sharing one NIC speed, and up to a dozen running
 * guests of 1 to 8 GiB, idle or busy, placed where they fit. Hosts are evacuated from {@code h1}.
 *
 * <p>The spec knows nothing of the simulator (testkit depends on {@code spi} only); a test turns it
 * into a simulated cluster with {@link #forEachHost} and {@link #forEachVm}, handing the simulator
 * {@link #simulatorSeed} as its own seed.
 *
 * @param simulatorSeed the seed for the simulator's own randomness
 * @param hosts the hosts in name order
 * @param vms the guests, in the order they were drawn
 */
public record RandomCluster(long simulatorSeed, List<Host> hosts, List<Vm> vms) {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;

  /** Where the guests go. */
  public enum Placement {
    /** Each guest on any host. */
    ANY_HOST,
    /** Every other guest on {@code h1}, so every evacuation of h1 has something to move. */
    H1_GETS_A_FAIR_SHARE
  }

  /** A host and what it can give. */
  public record Host(String name, HostCapacity capacity) {}

  /**
   * A running guest.
   *
   * @param host the host it starts on
   * @param dirtyBytesPerSec how fast it rewrites its memory
   * @param workingSetBytes the memory it keeps rewriting
   */
  public record Vm(
      String name,
      String host,
      long memoryBytes,
      int vcpus,
      long dirtyBytesPerSec,
      long workingSetBytes) {}

  public RandomCluster {
    hosts = List.copyOf(hosts);
    vms = List.copyOf(vms);
  }

  /**
   * Draws a cluster from {@code random}, which it advances: the same state of {@code random} gives
   * the same cluster, and the caller may go on drawing from it (faults, moments).
   */
  public static RandomCluster generate(SplittableRandom random, Placement placement) {
    int hostCount = 2 + random.nextInt(4);
    long nic = (1 + random.nextInt(12)) * 125 * MB;
    long stream = Math.max(100 * MB, nic / (1 + random.nextInt(4)));
    long simulatorSeed = random.nextLong();
    List<Host> hosts = new ArrayList<>();
    long[] free = new long[hostCount];
    int[] freeCpus = new int[hostCount];
    for (int i = 0; i < hostCount; i++) {
      long memory = (16 + 16L * random.nextInt(4)) * GIB;
      int cpus = 8 + 8 * random.nextInt(3);
      hosts.add(new Host("h" + (i + 1), new HostCapacity(memory, cpus, nic, stream)));
      free[i] = memory;
      freeCpus[i] = cpus;
    }
    boolean fairShare = placement == Placement.H1_GETS_A_FAIR_SHARE;
    int vmCount = (fairShare ? 3 : 1) + random.nextInt(10);
    List<Vm> vms = new ArrayList<>();
    for (int v = 0; v < vmCount; v++) {
      int host = fairShare && v % 2 == 0 ? 0 : random.nextInt(hostCount);
      long memory = (1L << random.nextInt(4)) * GIB;
      int cpus = 1 + random.nextInt(4);
      if (memory > free[host] || cpus > freeCpus[host]) {
        continue;
      }
      free[host] -= memory;
      freeCpus[host] -= cpus;
      long dirty =
          random.nextInt(3) == 0 ? (50 + random.nextInt(150)) * MB : random.nextInt(5) * MB;
      long workingSet = memory / (2 + random.nextInt(8));
      vms.add(new Vm("vm-" + v, "h" + (host + 1), memory, cpus, dirty, workingSet));
    }
    return new RandomCluster(simulatorSeed, hosts, vms);
  }

  /** Hands each host's name and capacity to {@code host}, in name order. */
  public void forEachHost(BiConsumer<String, HostCapacity> host) {
    hosts.forEach(h -> host.accept(h.name(), h.capacity()));
  }

  /** Hands each guest to {@code vm}, after the hosts. */
  public void forEachVm(Consumer<Vm> vm) {
    vms.forEach(vm);
  }
}
