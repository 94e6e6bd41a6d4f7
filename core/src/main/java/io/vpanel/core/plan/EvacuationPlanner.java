package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plans an evacuation: places every running guest of the source on the other hosts without ever
 * over-committing memory or vCPUs of any of them. Largest guests first, each on the host with the
 * most memory left after it (worst fit), which spreads load and keeps room for the big ones.
 *
 * <p>The planner is sound: a GO plan always fits. Bin packing is NP-hard, so a NO-GO may in rare
 * fragmented cases refuse a plan an exhaustive search would find; it never says GO to one that
 * cannot fit.
 */
public final class EvacuationPlanner {

  /** Orders guests for placement and for migration: most memory first, then most vCPUs, name. */
  public static final Comparator<VmInfo> LARGEST_FIRST =
      Comparator.comparingLong(VmInfo::memoryBytes)
          .reversed()
          .thenComparing(Comparator.comparingInt(VmInfo::vcpus).reversed())
          .thenComparing(VmInfo::name);

  private EvacuationPlanner() {}

  /**
   * Plans moving every running or paused guest of {@code source} to {@code targets}.
   *
   * @param sourceCapacity the source's capacity, for its NIC; null when unknown
   * @param vms the guests on the source
   * @param targets the hosts that may take guests, with what is committed on them now
   */
  public static Plan plan(
      String source, HostCapacity sourceCapacity, List<VmInfo> vms, List<TargetHost> targets) {
    return planWith(
        source,
        sourceCapacity == null ? null : PlanningOptions.plain(sourceCapacity),
        vms,
        targets);
  }

  /**
   * Plans moving every running or paused guest of {@code source} to {@code targets}, choosing the
   * concurrency and each guest's migration features from {@code options}.
   *
   * @param options how the source migrates; null when its capacity is unknown (one at a time,
   *     default options)
   */
  public static Plan planWith(
      String source, PlanningOptions options, List<VmInfo> vms, List<TargetHost> targets) {
    List<VmInfo> active =
        vms.stream().filter(vm -> vm.state().isRunning() || isPaused(vm)).toList();
    List<VmInfo> blocking = active.stream().filter(vm -> vm.policy() == VmPolicy.BLOCK).toList();
    if (!blocking.isEmpty()) {
      return Plan.noGo(
          source,
          blocking.get(0).name()
              + " has policy block"
              + (blocking.size() > 1 ? " (and " + (blocking.size() - 1) + " more)" : ""));
    }
    List<VmInfo> toMigrate =
        active.stream()
            .filter(vm -> vm.policy() == VmPolicy.MIGRATE)
            .sorted(LARGEST_FIRST)
            .toList();
    List<VmInfo> shutdowns = byPolicy(active, VmPolicy.SHUTDOWN);
    List<VmInfo> suspends = byPolicy(active, VmPolicy.SUSPEND);
    long bytes = toMigrate.stream().mapToLong(VmInfo::memoryBytes).sum();

    if (!toMigrate.isEmpty() && targets.isEmpty()) {
      return Plan.noGo(source, "no other host can take guests");
    }
    List<TargetHost> hosts = new ArrayList<>(targets);
    ConcurrencyPolicy.Choice choice =
        options == null
            ? new ConcurrencyPolicy.Choice(Math.min(1, toMigrate.size()), Map.of(), 0)
            : ConcurrencyPolicy.choose(toMigrate, options.link(), options.usable(), options.base());
    MigrationOptions fallback = options == null ? MigrationOptions.DEFAULTS : options.base();
    List<Move> moves = new ArrayList<>();
    for (VmInfo vm : toMigrate) {
      Optional<Integer> best = bestFit(hosts, vm.memoryBytes(), vm.vcpus());
      if (best.isEmpty()) {
        return Plan.noGo(source, shortfall(toMigrate, targets, vm));
      }
      TargetHost host = hosts.get(best.get());
      hosts.set(best.get(), host.plus(vm.memoryBytes(), vm.vcpus()));
      moves.add(new Move(vm, host.name(), choice.options().getOrDefault(vm.uuid(), fallback)));
    }
    long destinations = moves.stream().map(Move::destination).distinct().count();
    String summary =
        "GO: "
            + moves.size()
            + (moves.size() == 1 ? " VM -> " : " VMs -> ")
            + destinations
            + (destinations == 1 ? " host" : " hosts")
            + (shutdowns.isEmpty() ? "" : ", " + shutdowns.size() + " shut down")
            + (suspends.isEmpty() ? "" : ", " + suspends.size() + " suspended");
    return new Plan(
        source,
        true,
        summary,
        moves,
        shutdowns,
        suspends,
        choice.concurrency(),
        bytes,
        choice.predictedSeconds(),
        Optional.ofNullable(options).map(PlanningOptions::link));
  }

  /**
   * The index of the host with the most memory left after taking a guest of this size, among those
   * it fits on; ties go to the first.
   */
  public static Optional<Integer> bestFit(List<TargetHost> hosts, long memoryBytes, int vcpus) {
    int best = -1;
    long bestLeft = -1;
    for (int i = 0; i < hosts.size(); i++) {
      TargetHost host = hosts.get(i);
      if (host.fits(memoryBytes, vcpus)) {
        long left = host.freeMemoryBytes() - memoryBytes;
        if (left > bestLeft) {
          best = i;
          bestLeft = left;
        }
      }
    }
    return best < 0 ? Optional.empty() : Optional.of(best);
  }

  private static String shortfall(List<VmInfo> toMigrate, List<TargetHost> targets, VmInfo stuck) {
    long needMemory = toMigrate.stream().mapToLong(VmInfo::memoryBytes).sum();
    long freeMemory = targets.stream().mapToLong(TargetHost::freeMemoryBytes).sum();
    if (needMemory > freeMemory) {
      String[] sizes = Sizes.distinct(needMemory, freeMemory);
      return "needs " + sizes[0] + ", " + sizes[1] + " free";
    }
    int needVcpus = toMigrate.stream().mapToInt(VmInfo::vcpus).sum();
    int freeVcpus = targets.stream().mapToInt(TargetHost::freeVcpus).sum();
    if (needVcpus > freeVcpus) {
      return "needs " + needVcpus + " vCPUs, " + freeVcpus + " free";
    }
    return stuck.name()
        + " ("
        + Sizes.bytes(stuck.memoryBytes())
        + ", "
        + stuck.vcpus()
        + " vCPU) fits on no host";
  }

  private static boolean isPaused(VmInfo vm) {
    return vm.state() == io.vpanel.spi.hypervisor.VmState.PAUSED;
  }

  private static List<VmInfo> byPolicy(List<VmInfo> vms, VmPolicy policy) {
    return vms.stream().filter(vm -> vm.policy() == policy).sorted(LARGEST_FIRST).toList();
  }
}
