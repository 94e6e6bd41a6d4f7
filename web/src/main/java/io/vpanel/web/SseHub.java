package io.vpanel.web;

import io.javalin.http.sse.SseClient;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.HostStatus;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

  private final JsonViews json;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();
  private final ReentrantLock state = new ReentrantLock();
  // guarded by state
  private long appliedVersion = Long.MIN_VALUE;
  private Map<String, HostStatus> previous = new HashMap<>();
  private final Map<String, String> currentHosts = new LinkedHashMap<>();
  private final Map<String, String> currentPanels = new LinkedHashMap<>();

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
      currentHosts.putAll(changed);
      for (Subscriber subscriber : subscribers) {
        subscriber.offerHosts(changed);
      }
    } finally {
      state.unlock();
    }
  }

  @Override
  public void onPanel(WebPanelView view) {
    String data = json.write(json.webPanel(view));
    state.lock();
    try {
      currentPanels.put(view.host(), data);
      Map<String, String> changed = Map.of(view.host(), data);
      for (Subscriber subscriber : subscribers) {
        subscriber.offerPanels(changed);
      }
    } finally {
      state.unlock();
    }
  }

  @Override
  public void onPanelGone(String host) {
    state.lock();
    try {
      currentPanels.remove(host);
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
    client.keepAlive();
    Subscriber subscriber = new Subscriber(client);
    state.lock();
    try {
      subscribers.add(subscriber);
      subscriber.offerHosts(currentHosts);
      subscriber.offerPanels(currentPanels);
    } finally {
      state.unlock();
    }
    client.onClose(subscriber::close);
    Thread.ofVirtual().name("sse-client").start(subscriber::run);
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
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final LinkedHashMap<String, String> hosts = new LinkedHashMap<>();
    private final LinkedHashMap<String, String> panels = new LinkedHashMap<>();
    private final ArrayDeque<String[]> activities = new ArrayDeque<>();
    private boolean closed;

    Subscriber(SseClient client) {
      this.client = client;
    }

    void offerHosts(Map<String, String> changed) {
      offer(hosts, changed);
    }

    void offerPanels(Map<String, String> changed) {
      offer(panels, changed);
    }

    private void offer(Map<String, String> queue, Map<String, String> changed) {
      if (changed.isEmpty()) {
        return;
      }
      lock.lock();
      try {
        queue.putAll(changed);
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

    void close() {
      lock.lock();
      try {
        closed = true;
        ready.signal();
      } finally {
        lock.unlock();
      }
      subscribers.remove(this);
    }

    void run() {
      try {
        while (true) {
          Map<String, String> hostBatch;
          Map<String, String> panelBatch;
          ArrayDeque<String[]> activityBatch;
          lock.lock();
          try {
            boolean quiet = false;
            while (!closed
                && hosts.isEmpty()
                && panels.isEmpty()
                && activities.isEmpty()
                && !quiet) {
              quiet = !ready.await(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (closed) {
              return;
            }
            hostBatch = new LinkedHashMap<>(hosts);
            hosts.clear();
            panelBatch = new LinkedHashMap<>(panels);
            panels.clear();
            activityBatch = new ArrayDeque<>(activities);
            activities.clear();
          } finally {
            lock.unlock();
          }
          if (client.terminated()) {
            return;
          }
          if (hostBatch.isEmpty() && panelBatch.isEmpty() && activityBatch.isEmpty()) {
            // A comment keeps proxies and the server's idle timeout from closing a quiet stream.
            client.sendComment("keep-alive");
          }
          for (String[] activity : activityBatch) {
            client.sendEvent(activity[0], activity[1]);
          }
          for (String data : hostBatch.values()) {
            client.sendEvent("host", data);
          }
          for (String data : panelBatch.values()) {
            client.sendEvent("panel", data);
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
        subscribers.remove(this);
      }
    }
  }
}
