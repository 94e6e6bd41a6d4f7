package io.vpanel.spi.hypervisor;

import io.vpanel.spi.Subscription;
import java.util.Optional;

/**
 * One connection to one host's hypervisor. Methods that talk to the peer may block; the agent calls
 * them from virtual threads. Listeners are called from the driver's threads.
 */
public interface HypervisorConnection extends AutoCloseable {

  /** The host this connection reaches. */
  HostEndpoint endpoint();

  /** Reads the host's guests and capacity now. Throws {@link io.vpanel.spi.DriverException}. */
  HostInventory inventory();

  /** Streams the host's lifecycle events until the subscription is closed. */
  Subscription subscribe(HypervisorListener listener);

  /**
   * Starts a live migration of guest {@code uuid} from this host to {@code destination} and returns
   * at once; progress and the end go to {@code listener}.
   */
  MigrationHandle migrate(
      String uuid, HostEndpoint destination, MigrationOptions options, MigrationListener listener);

  /**
   * Finds a live migration of guest {@code uuid} away from this host that is still running (one an
   * earlier run of the agent started and left to the hypervisor) and sends its progress and end to
   * {@code listener} from now on. Empty when no such migration runs, or when the driver cannot tell
   * (the default): the agent then treats the guest as not migrating, and the hypervisor's refusal
   * of a second migration of one guest is what keeps it from being moved twice.
   */
  default Optional<MigrationInProgress> reattach(String uuid, MigrationListener listener) {
    return Optional.empty();
  }

  /** Shuts the guest down cleanly (blocking until it is off or the attempt failed). */
  void shutdown(String uuid);

  /** Saves the guest's state on this host and stops it. */
  void suspend(String uuid);

  /** Starts a shut-off guest or resumes a suspended one. */
  void start(String uuid);

  @Override
  void close();
}
