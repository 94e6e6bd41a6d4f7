package io.vpanel.web;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How many event streams may be open at once, in all and from one client address, so that no client
 * can take the memory the panels and the API need. A stream is admitted with {@link #admit} and
 * must be given back with {@link #release} exactly once. Thread-safe.
 */
final class StreamLimits {
  private final int total;
  private final int perClient;
  // guarded by this
  private final Map<String, Integer> byClient = new HashMap<>();
  private int open;
  private long refused;

  StreamLimits(int total, int perClient) {
    this.total = total;
    this.perClient = perClient;
  }

  /** Admits one more stream from {@code address}, or says why not. */
  synchronized Optional<String> admit(String address) {
    int fromClient = byClient.getOrDefault(address, 0);
    if (open >= total) {
      refused++;
      return Optional.of(
          "too many event streams: " + total + " are open, the most this agent serves");
    }
    if (fromClient >= perClient) {
      refused++;
      return Optional.of(
          "too many event streams from your address: "
              + perClient
              + " are open; close one (a browser tab) or share one stream");
    }
    open++;
    byClient.put(address, fromClient + 1);
    return Optional.empty();
  }

  synchronized void release(String address) {
    Integer fromClient = byClient.get(address);
    if (fromClient == null) {
      return;
    }
    open--;
    if (fromClient <= 1) {
      byClient.remove(address);
    } else {
      byClient.put(address, fromClient - 1);
    }
  }

  synchronized int open() {
    return open;
  }

  synchronized long refused() {
    return refused;
  }
}
