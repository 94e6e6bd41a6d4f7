package io.vpanel.driver.libvirt;

import java.util.Optional;

/**
 * Which connection to a host's daemon is live, and its generation, kept as one value. A caller
 * reads both at once ({@link #live()}) and uses that pair for its whole operation, so a failure it
 * reports ({@link #lose}) names the connection it really used: reporting a connection that has
 * since been replaced changes nothing, and can never take down the one that replaced it.
 *
 * <p>Generations only grow. A connection being set up gets the next one ({@link #reserve}) before
 * its callbacks are registered, and is put in place with {@link #publish}. A loss reported for it
 * in between (its close callback fired while it was being set up) makes the publication fail, so a
 * connection already known to be dead is never put in place.
 *
 * @param <C> the connection (libvirt's {@code Connect}; a stand-in in tests)
 */
final class ConnectionSlot<C> {

  /** A connection and the generation it was put in place as. */
  record Live<C>(C connection, long generation) {}

  private Live<C> live; // null while disconnected, being set up, or closed
  private long generation; // the last one handed out
  private boolean lostWhileSettingUp; // generation was reported lost before it was published
  private boolean closed;

  /** The generation for a connection about to be set up (callbacks registered with it). */
  synchronized long reserve() {
    lostWhileSettingUp = false;
    return ++generation;
  }

  /**
   * Puts {@code connection} in place as generation {@code gen}. False, and nothing changes, when
   * the slot is closed, a newer generation has been reserved, a connection is already live, or
   * {@code gen} was reported lost while it was being set up; the caller then closes {@code
   * connection}.
   */
  synchronized boolean publish(long gen, C connection) {
    if (closed || gen != generation || live != null || lostWhileSettingUp) {
      return false;
    }
    live = new Live<>(connection, gen);
    return true;
  }

  /** The live connection with its generation; empty while disconnected or once closed. */
  synchronized Optional<Live<C>> live() {
    return Optional.ofNullable(live);
  }

  /** Whether {@code gen} is the live generation. */
  synchronized boolean isLive(long gen) {
    return live != null && live.generation() == gen;
  }

  /**
   * Generation {@code gen} is broken. When it is the live one it is taken out and returned (the
   * caller closes it and reconnects); for any other generation nothing changes and the answer is
   * empty — except that a loss of the generation still being set up is remembered, so that its
   * {@link #publish} fails.
   */
  synchronized Optional<Live<C>> lose(long gen) {
    if (closed) {
      return Optional.empty();
    }
    if (live != null) {
      if (live.generation() != gen) {
        return Optional.empty();
      }
      Live<C> dead = live;
      live = null;
      return Optional.of(dead);
    }
    if (gen == generation) {
      lostWhileSettingUp = true;
    }
    return Optional.empty();
  }

  /**
   * Closes the slot for good; returns the connection that was live, if any (the caller closes it).
   */
  synchronized Optional<Live<C>> close() {
    Live<C> last = live;
    live = null;
    closed = true;
    return Optional.ofNullable(last);
  }

  synchronized boolean isClosed() {
    return closed;
  }
}
