package io.vpanel.spi.management;

import io.vpanel.spi.hypervisor.HostEndpoint;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The management side of the cluster: who the other hosts are, how load balancing and HA are set,
 * the health of the backend's own link, notices and maintenance requests it pushes, and the
 * coordinator that admits maintenance and reserves placement.
 */
public interface ManagementBackend extends AutoCloseable {

  /** The other hosts guests may be moved to. */
  List<HostEndpoint> peers();

  DrsMode drsMode();

  /** True when the backend restarts guests of a failed host elsewhere. */
  boolean haEnabled();

  /**
   * The management side's HA verdict for {@code host}, worked out once for the whole cluster (by a
   * leader): true when the other hosts could take its guests, false when not; empty to leave it to
   * core's own assessment (the default). Core asks it on every redraw; it must return at once.
   */
  default Optional<Boolean> haProtected(String host) {
    return Optional.empty();
  }

  /**
   * Whether the management side itself protects {@code host} from a predicted hardware failure
   * (vCenter's Proactive HA): true when it is set to act on the host's health, false when it is
   * known to be off; empty when the backend has no such function (the default). Core shows PFA
   * protect as armed when this is true, even without an alert source of its own. Must return at
   * once.
   */
  default Optional<Boolean> pfaProtected(String host) {
    return Optional.empty();
  }

  /** Starts reporting link status, notices and requests to {@code listener}. */
  void start(ManagementListener listener);

  /**
   * This agent's own host as it stands now; called after every change, from the owner thread. Must
   * return at once (a backend that sends it somewhere keeps the newest and sends it from its own
   * thread).
   */
  default void publish(HostReport report) {}

  /**
   * The coordinator that admits maintenance and reserves placement across the cluster; empty for
   * core's local one, which decides from this agent's own view.
   */
  default Optional<Coordinator> coordinator() {
    return Optional.empty();
  }

  /**
   * Hands a notice for a host this agent does not control to that host's agent (through a
   * registry). Completes true once the backend took it, false when it cannot forward (the default:
   * static peers have no way to reach another agent). Must return at once.
   */
  default CompletableFuture<Boolean> forwardNotice(Notice notice) {
    return CompletableFuture.completedFuture(false);
  }

  /** Hands a maintenance request for a host this agent does not control to that host's agent. */
  default CompletableFuture<Boolean> forwardRequest(MaintenanceRequest request) {
    return CompletableFuture.completedFuture(false);
  }

  @Override
  void close();
}
