package io.vpanel.web;

import io.javalin.http.sse.SseClient;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.HostStatus;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fans snapshots, web panel states and activity out to server-sent-event clients. It only queues;
 * each client has its own virtual thread that writes. A slow client never holds up the engine, the
 * panels or the others: for {@code host} and {@code panel} events it keeps only the newest state
 * per host (a late reader sees the present, not a backlog), and activity beyond the queue's bound
 * is dropped and counted.
 *
 * <p>Threads: snapshots come from the engine's owner thread and, once, from the thread that called
 * {@code addListener}; panel states from each web panel's render thread; clients connect on the
 * server's threads. One lock ({@link #state}) guards what the hub remembers (the last snapshot
 * applied, each host's and panel's last event) together with the hand-over to the clients, so a
 * client that connects gets the present and then every later change, in order. A snapshot older
 * than one already applied is ignored: no client is ever taken back to an older state.
 */
public final class SseHub implements ClusterListener, WebPanels.Listener {
  static final int ACTIVITY_QUEUE_BOUND = 1000;
  static final Duration HEARTBEAT = Duration.ofSeconds(15);

  /** Between the two writes of a {@link #probe}. */
  static final Duration PROBE_GAP = Duration.ofMillis(200);

  /** The events of which a client gets only the newest per host, sent in this order. */
  private static final List<String> NEWEST_ONLY = List.of("host", "panel");

  private final JsonViews json;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();
  private final ReentrantLock state = new ReentrantLock();
  // guarded by state
  private long appliedVersion = Long.MIN_VALUE;
  private Map<String, HostStatus> previous = new HashMap<>();
  // event name ("host", "panel") -> host -> the newest data sent for it
  private final Map<String, Map<String, String>> current = new LinkedHashMap<>();

  {
    for (String event : NEWEST_ONLY) {
      current.put(event, new LinkedHashMap<>());
    }
  }

  public SseHub(JsonViews json) {
    this.json = json;
  }

  @Override
  public void onSnapshot(ClusterSnapshot snapshot) {
    state.lock();
    try {
      if (snapshot.version() <= appliedVersion) {
        return; // handed over late (addListener's first snapshot): a newer one is out already
      }
      appliedVersion = snapshot.version();
      Map<String, HostStatus> next = new HashMap<>();
      Map<String, String> changed = new LinkedHashMap<>();
      for (HostStatus host : snapshot.hosts()) {
        next.put(host.name(), host);
        if (!host.equals(previous.get(host.name()))) {
          changed.put(host.name(), json.write(json.host(host, false)));
        }
      }
      previous = next;
      handOver("host", changed);
    } finally {
      state.unlock();
    }
  }

  @Override
  public void onPanel(WebPanelView view) {
    String data = json.write(json.webPanel(view));
    state.lock();
    try {
      handOver("panel", Map.of(view.host(), data));
    } finally {
      state.unlock();
    }
  }

  /** Remembers what changed and queues it for every client; the caller holds {@link #state}. */
  private void handOver(String event, Map<String, String> changed) {
    current.get(event).putAll(changed);
    for (Subscriber subscriber : subscribers) {
      subscriber.offerNewest(event, changed);
    }
  }

  @Override
  public void onPanelGone(String host) {
    state.lock();
    try {
      current.get("panel").remove(host);
    } finally {
      state.unlock();
    }
  }

  @Override
  public void onActivity(Activity activity) {
    String data = json.write(json.activity(activity));
    String event =
        switch (activity.kind()) {
          case "maintenance", "migration", "notice", "alert" -> activity.kind();
          default -> "activity";
        };
    for (Subscriber subscriber : subscribers) {
      subscriber.offerActivity(event, data);
    }
  }

  /** Serves one client until it disconnects. Call from the SSE handler. */
  public void serve(SseClient client) {
    serve(client, "", () -> {});
  }

  /** Serves one client from {@code address} until it disconnects, then runs {@code ended} once. */
  public void serve(SseClient client, String address, Runnable ended) {
    client.keepAlive();
    Subscriber subscriber = new Subscriber(client, address, ended);
    state.lock();
    try {
      subscribers.add(subscriber);
      current.forEach(subscriber::offerNewest);
    } finally {
      state.unlock();
    }
    client.onClose(subscriber::close);
    Thread.ofVirtual().name("sse-client").start(subscriber::run);
  }

  /**
   * Has every stream from {@code address} write a keep-alive comment now, twice a moment apart: a
   * client that went away is only noticed when its stream is written to (a quiet stream: at the
   * next heartbeat, up to {@link #HEARTBEAT} later), and the write that fails gives its stream
   * back. Called when a stream from that address is refused, so the streams of closed tabs are not
   * what refuses it again when it comes back.
   */
  public void probe(String address) {
    for (Subscriber subscriber : subscribers) {
      if (subscriber.address.equals(address)) {
        subscriber.probe();
      }
    }
  }

  /** Ends every client's stream; called before the server stops. */
  public void close() {
    for (Subscriber subscriber : subscribers) {
      subscriber.close();
    }
  }

  public int clients() {
    return subscribers.size();
  }

  public long droppedEvents() {
    return dropped.get();
  }

  private final class Subscriber {
    private final SseClient client;
    private final String address;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    // event name -> host -> data not sent yet; only the newest per host is kept
    private final Map<String, Map<String, String>> newest = new LinkedHashMap<>();
    private final ArrayDeque<String[]> activities = new ArrayDeque<>();
    private final java.util.concurrent.atomic.AtomicBoolean ended =
        new java.util.concurrent.atomic.AtomicBoolean();
    private final Runnable onEnd;
    private boolean closed;
    private boolean probed;

    Subscriber(SseClient client, String address, Runnable onEnd) {
      this.client = client;
      this.address = address;
      this.onEnd = onEnd;
      for (String event : NEWEST_ONLY) {
        newest.put(event, new LinkedHashMap<>());
      }
    }

    void offerNewest(String event, Map<String, String> changed) {
      if (changed.isEmpty()) {
        return;
      }
      lock.lock();
      try {
        newest.get(event).putAll(changed);
        ready.signal();
      } finally {
        lock.unlock();
      }
    }

    void offerActivity(String event, String data) {
      lock.lock();
      try {
        if (activities.size() >= ACTIVITY_QUEUE_BOUND) {
          dropped.incrementAndGet();
          return;
        }
        activities.add(new String[] {event, data});
        ready.signal();
      } finally {
        lock.unlock();
      }
    }

    void probe() {
      lock.lock();
      try {
        probed = true;
        ready.signal();
      } finally {
        lock.unlock();
      }
    }

    void close() {
      lock.lock();
      try {
        closed = true;
        ready.signal();
      } finally {
        lock.unlock();
      }
      end();
    }

    /** Leaves the hub and gives the stream back, once. */
    private void end() {
      subscribers.remove(this);
      if (ended.compareAndSet(false, true)) {
        onEnd.run();
      }
    }

    private boolean nothingQueued() {
      return activities.isEmpty() && newest.values().stream().allMatch(Map::isEmpty);
    }

    void run() {
      try {
        while (true) {
          List<String[]> batch = new ArrayList<>();
          boolean probe;
          lock.lock();
          try {
            boolean quiet = false;
            while (!closed && nothingQueued() && !probed && !quiet) {
              quiet = !ready.await(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (closed) {
              return;
            }
            probe = probed;
            probed = false;
            batch.addAll(activities);
            activities.clear();
            newest.forEach(
                (event, queued) -> {
                  queued.values().forEach(data -> batch.add(new String[] {event, data}));
                  queued.clear();
                });
          } finally {
            lock.unlock();
          }
          if (client.terminated()) {
            return;
          }
          if (probe) {
            // the first write to a closed connection may still succeed (the peer answers it with
            // a reset); the second, a moment later, fails
            client.sendComment("keep-alive");
            lock.lock();
            try {
              if (!closed) {
                ready.await(PROBE_GAP.toMillis(), TimeUnit.MILLISECONDS);
              }
            } finally {
              lock.unlock();
            }
            if (client.terminated()) {
              return;
            }
          }
          if (batch.isEmpty()) {
            // A comment keeps proxies and the server's idle timeout from closing a quiet stream.
            client.sendComment("keep-alive");
          }
          for (String[] event : batch) {
            client.sendEvent(event[0], event[1]);
          }
          if (client.terminated()) {
            return;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        // The client went away mid-write; its onClose removes it.
      } finally {
        end();
      }
    }
  }
}
