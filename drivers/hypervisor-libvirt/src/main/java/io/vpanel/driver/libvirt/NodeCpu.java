package io.vpanel.driver.libvirt;

import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import io.vpanel.spi.hypervisor.HostInventory;
import java.util.Optional;
import org.libvirt.Connect;

/**
 * How busy the host's CPUs are, from libvirt's {@code virNodeGetCPUStats} over all CPUs (the Java
 * binding 0.5.4 lacks it; bound with JNA in {@link NativeDomain}): each reading is the host's
 * cumulative CPU times, and the share idle between two readings is what the planner asks before it
 * compresses a migration. One per connection, read with each inventory (callers may overlap: the
 * reading is synchronized); the first reading, a failed one and a daemon restart (times going back)
 * say nothing.
 */
final class NodeCpu {
  /** {@code VIR_NODE_CPU_STATS_ALL_CPUS}. */
  static final int ALL_CPUS = -1;

  /** {@code VIR_NODE_CPU_STATS_FIELD_LENGTH}: a {@code virNodeCPUStats} is the name, then a u64. */
  static final int FIELD_LENGTH = 80;

  static final int STATS_SIZE = FIELD_LENGTH + 8;

  /** The most fields read (Linux reports kernel, user, idle, iowait). */
  static final int MAX_FIELDS = 16;

  /** Cumulative CPU times in nanoseconds: idle (iowait included) and all of them. */
  record Times(long idle, long total) {}

  private Times last;

  /**
   * The share of the host's CPU time idle since the previous call, or {@link
   * HostInventory#CPU_UNKNOWN} on the first call and when libvirt could not say.
   */
  synchronized double idleShareSinceLast(Connect connect) {
    Optional<Times> now = read(connect);
    Times before = last;
    last = now.orElse(null);
    if (now.isEmpty() || before == null) {
      return HostInventory.CPU_UNKNOWN;
    }
    long total = now.get().total() - before.total();
    long idle = now.get().idle() - before.idle();
    if (total <= 0 || idle < 0 || idle > total) {
      return HostInventory.CPU_UNKNOWN;
    }
    return (double) idle / total;
  }

  /** The host's cumulative CPU times, empty when libvirt cannot give them. */
  static Optional<Times> read(Connect connect) {
    IntByReference count = new IntByReference(0);
    if (NativeDomain.nodeCpuStats(connect, ALL_CPUS, null, count) < 0
        || count.getValue() < 1
        || count.getValue() > MAX_FIELDS) {
      return Optional.empty();
    }
    Memory params = new Memory((long) STATS_SIZE * count.getValue());
    params.clear();
    if (NativeDomain.nodeCpuStats(connect, ALL_CPUS, params, count) < 0) {
      return Optional.empty();
    }
    long idle = 0;
    long total = 0;
    boolean sawIdle = false;
    for (int i = 0; i < Math.min(count.getValue(), MAX_FIELDS); i++) {
      long at = (long) STATS_SIZE * i;
      String field = params.getString(at, "US-ASCII");
      long value = params.getLong(at + FIELD_LENGTH);
      if (value < 0) {
        return Optional.empty(); // beyond 2^63 ns: nothing sensible
      }
      switch (field) {
        case "idle", "iowait" -> {
          idle += value;
          total += value;
          sawIdle |= field.equals("idle");
        }
        case "kernel", "user" -> total += value;
        default -> {
          // "utilization" (a percentage some platforms give instead) and others are no times
        }
      }
    }
    return sawIdle ? Optional.of(new Times(idle, total)) : Optional.empty();
  }
}
