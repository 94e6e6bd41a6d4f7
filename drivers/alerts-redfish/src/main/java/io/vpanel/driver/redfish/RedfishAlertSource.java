package io.vpanel.driver.redfish;

import io.vpanel.driver.redfish.RedfishException.Kind;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.alert.AlertListener;
import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The Redfish alert source: reads the service's events over SSE where its EventService offers a
 * {@code ServerSentEventUri} (and {@code mode} allows), else polls the system's log entries; on
 * every (re)connect it first reads the log from its cursor on, so nothing that happened while it
 * was away is missed. See the module's README for the rules.
 */
final class RedfishAlertSource implements AlertSource {
  private static final Logger log = LoggerFactory.getLogger(RedfishAlertSource.class);

  static final String NAME = "redfish";

  /** The most log entries read in one pass (pages followed included). */
  static final int MAX_ENTRIES = 10_000;

  private static final int MAX_PAGES = 100;
  private static final int MAX_SEEN = 20_000;

  private final RedfishSettings settings;
  private final Credentials credentials;
  private final Scheduler scheduler;
  private volatile boolean closed;
  private volatile Thread worker;
  private volatile HttpClient streamClient;
  private volatile RedfishClient client;
  private AlertListener listener;
  private SourceHealth lastHealth;

  /** Where the source stands; only the worker thread touches it. */
  private Cursor cursor = Cursor.NONE;

  private boolean haveStarted;

  /** Log entries ({@code Id} + {@code Created}) handled since the start, oldest first. */
  private final Set<String> seen = new LinkedHashSet<>();

  RedfishAlertSource(RedfishSettings settings, Credentials credentials, Scheduler scheduler) {
    this.settings = settings;
    this.credentials = credentials;
    this.scheduler = scheduler;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public synchronized void start(Optional<String> resumeAfter, AlertListener alertListener) {
    if (worker != null) {
      throw new IllegalStateException("the redfish source is started already");
    }
    this.listener = Objects.requireNonNull(alertListener, "listener");
    resumeAfter.ifPresent(
        text -> {
          Optional<Cursor> parsed = Cursor.parse(text);
          if (parsed.isEmpty()) {
            log.warn("ignoring a cursor that is not the redfish source's: {}", text);
          }
          cursor = parsed.orElse(Cursor.NONE);
          haveStarted = parsed.isPresent();
        });
    worker = Thread.ofVirtual().name("redfish-alerts").start(this::run);
  }

  private void run() {
    Duration backoff = Duration.ofMillis(250);
    Duration max = Duration.ofSeconds(settings.reconnectMaxSeconds());
    while (!closed) {
      try {
        if (client == null) {
          client = new RedfishClient(settings, credentials);
        }
        Optional<String> sse = discoverSse();
        if (sse.isPresent()) {
          stream(sse.get(), () -> {});
        } else {
          poll(() -> {});
        }
      } catch (RedfishException e) {
        if (closed) {
          return;
        }
        log.info("redfish: {}", e.getMessage());
        health(e.health());
        if (e.kind() == Kind.AUTH && settings.auth().equals("session")) {
          // a new session next time
          closeClient();
        }
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        log.warn("redfish: unexpected failure", e);
        health(SourceHealth.unreachable("unexpected failure: " + e));
        closeClient();
      }
      if (!sleep(backoff)) {
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(max) > 0 ? max : backoff.multipliedBy(2);
    }
  }

  /** The stream's path if the source should use SSE, else empty (polling). */
  private Optional<String> discoverSse() throws RedfishException {
    if (settings.mode().equals("poll")) {
      return Optional.empty();
    }
    JsonNode root = client.get("/redfish/v1");
    String eventService = Classifier.text(root.path("EventService"), "@odata.id");
    String uri = "";
    if (!eventService.isEmpty()) {
      JsonNode service = client.get(eventService);
      boolean enabled =
          !service.path("ServiceEnabled").isBoolean() || service.path("ServiceEnabled").asBoolean();
      uri = enabled ? Classifier.text(service, "ServerSentEventUri") : "";
    }
    if (uri.startsWith(settings.uri())) {
      uri = uri.substring(settings.uri().length());
    }
    if (!uri.isEmpty() && !uri.startsWith("/")) {
      throw new RedfishException(
          Kind.HTTP,
          "ServerSentEventUri " + Classifier.printable(uri, 120) + " is on another host");
    }
    if (uri.isEmpty() && settings.mode().equals("sse")) {
      throw new RedfishException(
          Kind.HTTP,
          settings.uri() + " offers no ServerSentEventUri in its EventService (mode: sse)");
    }
    return uri.isEmpty() ? Optional.empty() : Optional.of(uri);
  }

  private void poll(Runnable unused) throws RedfishException {
    while (!closed) {
      catchUp();
      health(
          SourceHealth.ok(
              "polling "
                  + settings.uri()
                  + settings.logEntriesPath()
                  + " every "
                  + settings.pollSeconds()
                  + " s (no SSE)"));
      if (!sleep(Duration.ofSeconds(settings.pollSeconds()))) {
        return;
      }
    }
  }

  private void stream(String path, Runnable unused) throws RedfishException {
    HttpClient http = client.newHttp();
    streamClient = http;
    AtomicLong lastActivity = new AtomicLong(System.nanoTime());
    Duration stall = Duration.ofSeconds(settings.stallSeconds());
    final boolean[] stalled = {false};
    Thread watchdog =
        Thread.ofVirtual()
            .name("redfish-sse-watchdog")
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    if (System.nanoTime() - lastActivity.get() > stall.toNanos()) {
                      stalled[0] = true;
                      http.shutdownNow();
                      return;
                    }
                    try {
                      Thread.sleep(Math.max(50, stall.toMillis() / 10));
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    try {
      Optional<String> lastId =
          cursor.eventId().isEmpty() ? Optional.empty() : Optional.of(cursor.eventId());
      HttpResponse<InputStream> response = client.openStream(http, path, lastId);
      lastActivity.set(System.nanoTime());
      try (InputStream in = response.body()) {
        // The stream is open: what happens from now on arrives on it. The log tells what came
        // before (or while away); events for entries already handled are skipped.
        catchUp();
        lastActivity.set(System.nanoTime());
        health(SourceHealth.ok("reading events from " + settings.uri() + path + " (SSE)"));
        SseReader reader = new SseReader(in, () -> lastActivity.set(System.nanoTime()));
        while (!closed) {
          SseReader.Event event = reader.next();
          if (event == null) {
            throw new RedfishException(Kind.DOWN, settings.uri() + " ended the event stream");
          }
          handleEvent(event);
        }
      } catch (IOException e) {
        if (closed) {
          return;
        }
        if (stalled[0]) {
          throw new RedfishException(
              Kind.STALLED,
              "the event stream "
                  + settings.uri()
                  + path
                  + " stalled: no event or keep-alive for "
                  + settings.stallSeconds()
                  + " s; reconnecting");
        }
        throw client.failure(path, e);
      }
    } catch (RedfishException e) {
      if (stalled[0] && e.kind() != Kind.STALLED) {
        throw new RedfishException(
            Kind.STALLED,
            settings.uri() + path + " stalled for " + settings.stallSeconds() + " s; reconnecting");
      }
      throw e;
    } finally {
      watchdog.interrupt();
      http.shutdownNow();
      streamClient = null;
    }
  }

  private void handleEvent(SseReader.Event event) throws RedfishException {
    JsonNode body;
    try {
      body = RedfishClient.parse("the event stream", event.data());
    } catch (RedfishException e) {
      log.warn("redfish: skipping SSE event {}: {}", event.id(), e.getMessage());
      health(e.health());
      cursor = cursor.afterEvent(event.id());
      return;
    }
    List<JsonNode> records = new ArrayList<>();
    if (body.path("Events").isArray()) {
      body.path("Events").forEach(records::add);
    } else if (body.has("MessageId")) {
      records.add(body);
    }
    for (int i = 0; i < records.size() && !closed; i++) {
      JsonNode record = records.get(i);
      boolean last = i == records.size() - 1;
      String entryLink = Classifier.text(record.path("LogEntry"), "@odata.id");
      Cursor next = cursor;
      if (!entryLink.isEmpty()) {
        Optional<String[]> entry = entryOf(entryLink, record);
        if (entry.isPresent()) {
          String key = entry.get()[0] + "@" + entry.get()[1];
          if (seen.contains(key)) {
            if (last) {
              cursor = cursor.afterEvent(event.id());
            }
            continue;
          }
          remember(key);
          next = next.afterEntry(entry.get()[0], entry.get()[1]);
        }
      }
      if (last) {
        next = next.afterEvent(event.id());
      }
      cursor = next;
      report(record);
    }
    if (records.isEmpty()) {
      cursor = cursor.afterEvent(event.id());
    }
    if (lastHealth != null && lastHealth.status() != SourceHealth.Status.OK) {
      health(SourceHealth.ok("reading events from " + settings.uri() + " (SSE)"));
    }
  }

  /** The Id and Created of the log entry an event links to (read from the service). */
  private Optional<String[]> entryOf(String link, JsonNode record) {
    try {
      JsonNode entry =
          client.get(
              link.startsWith(settings.uri()) ? link.substring(settings.uri().length()) : link);
      String id = Classifier.text(entry, "Id");
      if (!id.isEmpty()) {
        return Optional.of(new String[] {id, Classifier.text(entry, "Created")});
      }
    } catch (RedfishException e) {
      log.info("redfish: cannot read the log entry {} of an event: {}", link, e.getMessage());
    }
    return Optional.empty();
  }

  /**
   * Reads the log and reports what the cursor has not seen. With no cursor at all (the first start
   * ever) it reports the conditions active now: warnings and worse asserted and not cleared later.
   */
  private void catchUp() throws RedfishException {
    List<JsonNode> entries = readEntries();
    if (!haveStarted) {
      haveStarted = true;
      Map<String, Integer> active = new LinkedHashMap<>();
      for (int i = 0; i < entries.size(); i++) {
        HardwareAlert alert = classify(entries.get(i));
        active.remove(alert.id());
        if (alert.asserted() && alert.severity() != AlertSeverity.INFO) {
          active.put(alert.id(), i);
        }
      }
      int lastReported = -1;
      for (int i : active.values()) {
        JsonNode entry = entries.get(i);
        cursor = cursor.afterEntry(Classifier.text(entry, "Id"), Classifier.text(entry, "Created"));
        emit(classify(entry));
        lastReported = i;
      }
      for (JsonNode entry : entries) {
        remember(key(entry));
      }
      if (!entries.isEmpty()) {
        JsonNode newest = entries.get(entries.size() - 1);
        cursor =
            cursor.afterEntry(Classifier.text(newest, "Id"), Classifier.text(newest, "Created"));
      }
      log.debug(
          "redfish: first start, {} active of {} entries, last reported {}",
          active.size(),
          entries.size(),
          lastReported);
      return;
    }
    int from = 0;
    if (cursor.hasEntry()) {
      int at = -1;
      for (int i = 0; i < entries.size(); i++) {
        JsonNode entry = entries.get(i);
        if (Classifier.text(entry, "Id").equals(cursor.entryId())
            && Classifier.text(entry, "Created").equals(cursor.created())) {
          at = i;
        }
      }
      if (at >= 0) {
        from = at + 1;
      } else {
        // The entry is gone: the log was cleared (or wrapped). Everything created at or after
        // the cursor's entry is new; with no time to go by, all of it is.
        Optional<Instant> since = cursor.createdTime();
        from = entries.size();
        for (int i = 0; i < entries.size(); i++) {
          Instant created = Classifier.time(Classifier.text(entries.get(i), "Created"));
          if (since.isEmpty() || created == null || !created.isBefore(since.get())) {
            from = i;
            break;
          }
        }
        log.info(
            "redfish: the cursor's log entry {} is gone (log cleared?); reading on from {}",
            cursor.entryId(),
            cursor.created());
      }
    }
    for (int i = from; i < entries.size() && !closed; i++) {
      JsonNode entry = entries.get(i);
      String key = key(entry);
      cursor = cursor.afterEntry(Classifier.text(entry, "Id"), Classifier.text(entry, "Created"));
      if (seen.contains(key)) {
        continue;
      }
      remember(key);
      emit(classify(entry));
    }
  }

  private List<JsonNode> readEntries() throws RedfishException {
    List<JsonNode> entries = new ArrayList<>();
    String next = settings.logEntriesPath();
    for (int page = 0; page < MAX_PAGES && next != null && !next.isEmpty(); page++) {
      JsonNode collection = client.get(next);
      JsonNode members = collection.path("Members");
      if (!members.isArray()) {
        throw new RedfishException(
            Kind.MALFORMED, "malformed log: " + next + " has no Members array");
      }
      for (JsonNode member : members) {
        if (entries.size() >= MAX_ENTRIES) {
          break;
        }
        if (!member.has("Id") && member.has("@odata.id")) {
          member = client.get(Classifier.text(member, "@odata.id"));
        }
        if (member.isObject() && !Classifier.text(member, "Id").isEmpty()) {
          entries.add(member);
        }
      }
      next = Classifier.text(collection, "Members@odata.nextLink");
    }
    // Oldest first: by Created, then by a numeric Id; the service's own order breaks ties.
    List<JsonNode> sorted = new ArrayList<>(entries);
    sorted.sort(
        Comparator.comparing(
                (JsonNode e) -> {
                  Instant t = Classifier.time(Classifier.text(e, "Created"));
                  return t == null ? Instant.MIN : t;
                })
            .thenComparingLong(
                e -> {
                  try {
                    return Long.parseLong(Classifier.text(e, "Id"));
                  } catch (NumberFormatException x) {
                    return 0;
                  }
                }));
    return sorted;
  }

  private HardwareAlert classify(JsonNode record) {
    return Classifier.classify(record, NAME, scheduler.now());
  }

  private void report(JsonNode record) {
    emit(classify(record));
  }

  /** Hands one alert with the cursor just past it to core, unless closed meanwhile. */
  private void emit(HardwareAlert alert) {
    if (!closed) {
      listener.onAlert(alert, cursor.text());
    }
  }

  private static String key(JsonNode entry) {
    return Classifier.text(entry, "Id") + "@" + Classifier.text(entry, "Created");
  }

  private void remember(String key) {
    seen.add(key);
    if (seen.size() > MAX_SEEN) {
      var it = seen.iterator();
      it.next();
      it.remove();
    }
  }

  private void health(SourceHealth health) {
    if (closed || health.equals(lastHealth)) {
      return;
    }
    lastHealth = health;
    listener.onHealth(health);
  }

  private boolean sleep(Duration duration) {
    try {
      Thread.sleep(duration);
      return !closed;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private void closeClient() {
    RedfishClient old = client;
    client = null;
    if (old != null) {
      old.close();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    HttpClient stream = streamClient;
    if (stream != null) {
      stream.shutdownNow();
    }
    Thread thread = worker;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeClient();
  }
}
