package io.vpanel.spi.management;

import java.util.concurrent.CompletableFuture;

/**
 * Decides across the cluster what one agent cannot decide alone: whether a host may go into
 * maintenance now, and whether a guest may be moved to a destination. Core asks before it acts and
 * acts only on a grant. The answers may take a round trip (etcd, vCenter): they complete on any
 * thread, and core carries on once they arrive. Core's own local coordinator grants whatever this
 * agent's view allows, at once.
 */
public interface Coordinator {

  /** May {@code request.host()} start entering maintenance now? */
  CompletableFuture<Admission> admit(AdmissionRequest request);

  /** {@code host} is operational again (its maintenance ended or never started): frees its slot. */
  void release(String host);

  /** Reserves room on a destination for one move; a refusal says why. */
  CompletableFuture<Reservation> reserve(PlacementRequest request);

  /** The move ended (done, failed or aborted): frees what {@link #reserve} held. */
  void unreserve(Reservation reservation);

  /**
   * A request to enter maintenance.
   *
   * @param host the host that asks
   * @param memoryBytes memory of the guests it must move
   * @param vcpus vCPUs of the guests it must move
   * @param origin who asked ({@code panel:web}, {@code api:ops}, {@code alert:ipmi}, ...)
   */
  record AdmissionRequest(String host, long memoryBytes, int vcpus, String origin) {}

  /**
   * The answer to an {@link AdmissionRequest}.
   *
   * @param granted whether the host may start
   * @param reason why not, or who granted it
   * @param unavailable true when the coordinator could not decide (its peer unreachable): core
   *     queues the request and asks again once the management link is back, instead of refusing
   */
  record Admission(boolean granted, String reason, boolean unavailable) {
    public Admission(boolean granted, String reason) {
      this(granted, reason, false);
    }

    public static Admission granted(String reason) {
      return new Admission(true, reason);
    }

    public static Admission refused(String reason) {
      return new Admission(false, reason);
    }

    /** Not decided: the coordinator's peer cannot be reached now. */
    public static Admission unavailable(String reason) {
      return new Admission(false, reason, true);
    }
  }

  /**
   * Room for one guest on one destination.
   *
   * @param vm the guest's uuid
   * @param vmName the guest's name, for messages
   * @param source where it is
   * @param destination where it should go
   * @param memoryBytes its memory
   * @param vcpus its vCPUs
   */
  record PlacementRequest(
      String vm, String vmName, String source, String destination, long memoryBytes, int vcpus) {}

  /**
   * The answer to a {@link PlacementRequest}.
   *
   * @param request what was asked
   * @param granted whether the move may start
   * @param reason why not (another agent holds the room), or empty
   */
  record Reservation(PlacementRequest request, boolean granted, String reason) {}
}
