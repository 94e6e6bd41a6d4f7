package io.vpanel.driver.libvirt;

import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import java.lang.reflect.Field;
import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.jna.DomainPointer;

/**
 * The two libvirt calls the Java binding 0.5.4 lacks: {@code virDomainGetState} (the state's reason
 * tells a guest arriving by migration from one paused by a user) and {@code
 * virDomainMigrateStartPostCopy}. Bound with JNA to the same {@code libvirt.so.0}; the domain
 * pointer is read from the binding's package-private field. When any of this is unavailable the
 * callers fall back (the reason is then unknown; post-copy is not started).
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
  }

  private static final Calls CALLS;
  private static final Field POINTER;

  static {
    Calls calls = null;
    Field pointer = null;
    try {
      calls = Native.load("virt", Calls.class);
      pointer = Domain.class.getDeclaredField("vdp");
      pointer.setAccessible(true);
    } catch (RuntimeException | LinkageError | NoSuchFieldException e) {
      calls = null;
      pointer = null;
    }
    CALLS = calls;
    POINTER = pointer;
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
