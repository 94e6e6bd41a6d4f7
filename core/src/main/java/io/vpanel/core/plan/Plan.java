package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.VmInfo;
import java.util.List;
import java.util.Optional;

/**
 * The pre-check of an evacuation: GO with every move placed, or NO-GO with the reason.
 *
 * @param source the host to empty
 * @param go true when every guest has somewhere to go
 * @param summary one line for the panel and the API ("GO: 12 VMs -> 3 hosts", "NO-GO: ...")
 * @param moves guests to live-migrate, largest first, each with its planned destination
 * @param shutdowns guests whose policy is to be shut down on this host
 * @param suspends guests whose policy is to be suspended on this host
 * @param concurrency how many migrations run at once at the start (the planner's choice)
 * @param bytesToMove memory of all guests to move
 * @param predictedSeconds the planner's model's makespan for the moves, 0 when there are none
 * @param link the source's link as the planner modelled it (learned or declared); empty for a NO-GO
 *     or when the source's capacity is unknown
 */
public record Plan(
    String source,
    boolean go,
    String summary,
    List<Move> moves,
    List<VmInfo> shutdowns,
    List<VmInfo> suspends,
    int concurrency,
    long bytesToMove,
    double predictedSeconds,
    Optional<LinkModel> link) {

  public Plan {
    java.util.Objects.requireNonNull(link, "link");
    moves = List.copyOf(moves);
    shutdowns = List.copyOf(shutdowns);
    suspends = List.copyOf(suspends);
  }

  public static Plan noGo(String source, String reason) {
    return new Plan(
        source,
        false,
        "NO-GO: " + reason,
        List.of(),
        List.of(),
        List.of(),
        0,
        0,
        0,
        Optional.empty());
  }

  public long destinations() {
    return moves.stream().map(Move::destination).distinct().count();
  }
}
