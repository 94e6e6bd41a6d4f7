package io.vpanel.driver.libvirt;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.lang.reflect.Field;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.jna.ConnectionPointer;
import org.libvirt.jna.DomainPointer;

/**
 * The libvirt calls the Java binding 0.5.4 lacks: {@code virDomainGetState} (the state's reason
 * tells a guest arriving by migration from one paused by a user), {@code
 * virDomainMigrateStartPostCopy}, {@code virDomainMigrateGetMaxDowntime}, {@code
 * virNodeGetCPUStats} (for {@link NodeCpu}), and the dirty-rate calculation ({@code
 * virDomainStartDirtyRateCalc}, read back with {@code
 * virDomainListGetStats(VIR_DOMAIN_STATS_DIRTYRATE)} and libvirt's own {@code virTypedParamsGet*}
 * accessors, so no typed-parameter layout is copied). Bound with JNA to the same {@code
 * libvirt.so.0}; the domain pointer is read from the binding's package-private field. When any of
 * this is unavailable the callers fall back (the reason is then unknown; post-copy is not started).
 */
final class NativeDomain {
  /** {@code VIR_DOMAIN_PAUSED}. */
  static final int STATE_PAUSED = 3;

  /** {@code VIR_DOMAIN_PAUSED_MIGRATION}: paused for (or during) a migration. */
  static final int PAUSED_MIGRATION = 2;

  /** {@code VIR_DOMAIN_PAUSED_POSTCOPY}, {@code VIR_DOMAIN_PAUSED_STARTING_UP}. */
  static final int PAUSED_POSTCOPY = 12;

  static final int PAUSED_STARTING_UP = 11;

  interface Calls extends com.sun.jna.Library {
    int virDomainGetState(DomainPointer dom, IntByReference state, IntByReference reason, int f);

    int virDomainMigrateStartPostCopy(DomainPointer dom, int flags);

    int virDomainMigrateGetMaxDowntime(DomainPointer dom, LongByReference downtime, int flags);

    int virDomainStartDirtyRateCalc(DomainPointer dom, int seconds, int flags);

    int virDomainListGetStats(Pointer[] doms, int stats, PointerByReference retStats, int flags);

    void virDomainStatsRecordListFree(Pointer stats);

    int virTypedParamsGetLLong(Pointer params, int nparams, String name, LongByReference value);

    int virTypedParamsGetInt(Pointer params, int nparams, String name, IntByReference value);

    int virNodeGetCPUStats(
        ConnectionPointer conn, int cpuNum, Pointer params, IntByReference nparams, int flags);
  }

  /** {@code VIR_DOMAIN_STATS_DIRTYRATE} (libvirt 7.2; {@code 1 << 9} in libvirt-domain.h). */
  static final int STATS_DIRTYRATE = 1 << 9;

  /** {@code VIR_DOMAIN_DIRTYRATE_MEASURING}: {@code dirtyrate.calc_status} of a calc under way. */
  static final int DIRTYRATE_MEASURING = 1;

  /** {@code VIR_DOMAIN_DIRTYRATE_MEASURED}: {@code dirtyrate.calc_status} of a finished calc. */
  static final int DIRTYRATE_MEASURED = 2;

  /**
   * One dirty-rate calculation as libvirt reports it.
   *
   * @param status {@code dirtyrate.calc_status}: 0 unstarted, 1 measuring, 2 measured
   * @param startTime {@code dirtyrate.calc_start_time}, QEMU's clock in seconds
   * @param megabytesPerSecond {@code dirtyrate.megabytes_per_second} (MiB/s), -1 when absent
   */
  record DirtyRate(int status, long startTime, long megabytesPerSecond) {
    boolean measured() {
      return status == DIRTYRATE_MEASURED && megabytesPerSecond >= 0;
    }
  }

  private static final Calls CALLS;
  private static final Field POINTER;
  private static final Field CONNECT_POINTER;

  static {
    Calls calls = null;
    Field pointer = null;
    Field connectPointer = null;
    try {
      calls = Native.load("virt", Calls.class);
      pointer = Domain.class.getDeclaredField("vdp");
      pointer.setAccessible(true);
    } catch (RuntimeException | LinkageError | NoSuchFieldException e) {
      calls = null;
      pointer = null;
    }
    try {
      connectPointer = Connect.class.getDeclaredField("vcp");
      connectPointer.setAccessible(true);
    } catch (RuntimeException | NoSuchFieldException e) {
      connectPointer = null;
    }
    CALLS = calls;
    POINTER = pointer;
    CONNECT_POINTER = connectPointer;
  }

  /**
   * {@code virNodeGetCPUStats(conn, cpuNum, params, nparams, 0)} (used by {@link NodeCpu}); -1 when
   * the call failed or is unavailable.
   */
  static int nodeCpuStats(Connect connect, int cpuNum, Pointer params, IntByReference nparams) {
    if (CALLS == null || CONNECT_POINTER == null) {
      return -1;
    }
    try {
      ConnectionPointer pointer = (ConnectionPointer) CONNECT_POINTER.get(connect);
      return CALLS.virNodeGetCPUStats(pointer, cpuNum, params, nparams, 0);
    } catch (IllegalAccessException | RuntimeException e) {
      return -1;
    }
  }

  private NativeDomain() {}

  /** The domain's state and reason as {@code {state, reason}}, or empty when unavailable. */
  static Optional<int[]> stateAndReason(Domain domain) {
    DomainPointer pointer = pointer(domain);
    if (pointer == null) {
      return Optional.empty();
    }
    IntByReference state = new IntByReference();
    IntByReference reason = new IntByReference();
    if (CALLS.virDomainGetState(pointer, state, reason, 0) < 0) {
      return Optional.empty();
    }
    return Optional.of(new int[] {state.getValue(), reason.getValue()});
  }

  /** Asks a running pre-copy migration to switch to post-copy; false if that failed. */
  static boolean startPostCopy(Domain domain) {
    DomainPointer pointer = pointer(domain);
    return pointer != null && CALLS.virDomainMigrateStartPostCopy(pointer, 0) == 0;
  }

  /**
   * The downtime a migration of the guest is allowed now, in ms ({@code
   * virDomainMigrateGetMaxDowntime}, libvirt 3.7); empty when libvirt cannot tell.
   */
  static Optional<Long> maxDowntimeMillis(Domain domain) {
    DomainPointer pointer = pointer(domain);
    if (pointer == null) {
      return Optional.empty();
    }
    LongByReference downtime = new LongByReference();
    try {
      if (CALLS.virDomainMigrateGetMaxDowntime(pointer, downtime, 0) < 0) {
        return Optional.empty();
      }
    } catch (UnsatisfiedLinkError e) {
      return Optional.empty();
    }
    return Optional.of(downtime.getValue());
  }

  /**
   * Starts libvirt's dirty-rate calculation (QEMU {@code calc-dirty-rate}, page-sampling mode, the
   * default: the dirty-bitmap mode crashed the TCG QEMU here) over {@code seconds}; returns at
   * once. False when the call failed (an inactive guest, a libvirt older than 7.2).
   */
  static boolean startDirtyRateCalc(Domain domain, int seconds) {
    DomainPointer pointer = pointer(domain);
    return pointer != null && CALLS.virDomainStartDirtyRateCalc(pointer, seconds, 0) == 0;
  }

  /** The guest's latest dirty-rate calculation, empty when libvirt reports none. */
  static Optional<DirtyRate> dirtyRate(Domain domain) {
    DomainPointer pointer = pointer(domain);
    if (pointer == null) {
      return Optional.empty();
    }
    PointerByReference records = new PointerByReference();
    int count =
        CALLS.virDomainListGetStats(
            new Pointer[] {pointer.getPointer(), null}, STATS_DIRTYRATE, records, 0);
    if (count < 1 || records.getValue() == null) {
      return Optional.empty();
    }
    try {
      // virDomainStatsRecordPtr *: a NULL-terminated array of {virDomainPtr dom;
      // virTypedParameterPtr params; int nparams;}
      Pointer record = records.getValue().getPointer(0);
      if (record == null) {
        return Optional.empty();
      }
      Pointer params = record.getPointer(Native.POINTER_SIZE);
      int nparams = record.getInt(2L * Native.POINTER_SIZE);
      IntByReference status = new IntByReference(-1);
      LongByReference start = new LongByReference(-1);
      LongByReference rate = new LongByReference(-1);
      if (CALLS.virTypedParamsGetInt(params, nparams, "dirtyrate.calc_status", status) != 1) {
        return Optional.empty();
      }
      CALLS.virTypedParamsGetLLong(params, nparams, "dirtyrate.calc_start_time", start);
      if (CALLS.virTypedParamsGetLLong(params, nparams, "dirtyrate.megabytes_per_second", rate)
          != 1) {
        rate.setValue(-1);
      }
      return Optional.of(new DirtyRate(status.getValue(), start.getValue(), rate.getValue()));
    } finally {
      CALLS.virDomainStatsRecordListFree(records.getValue());
    }
  }

  private static DomainPointer pointer(Domain domain) {
    if (CALLS == null || POINTER == null) {
      return null;
    }
    try {
      return (DomainPointer) POINTER.get(domain);
    } catch (IllegalAccessException | RuntimeException e) {
      return null;
    }
  }
}
