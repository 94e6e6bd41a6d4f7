package io.vpanel.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A small Redfish service over HTTPS for tests, built from resources shaped like the DMTF
 * "public-rackmount1" mockup (ServiceRoot, Systems/1, Chassis/1, EventService, SessionService,
 * Systems/1/LogServices/Log1 and its Entries), on the JDK's {@code HttpsServer} with a certificate
 * made by {@link TestCertificates} for {@code 127.0.0.1}.
 *
 * <p>It answers basic and session authentication ({@code POST /redfish/v1/SessionService/Sessions}
 * gives {@code X-Auth-Token} and {@code Location}; DELETE ends it), streams the events a test
 * injects with {@link #event} over {@code ServerSentEventUri} (with {@code id:}, {@code :
 * keep-alive} comments every {@link #keepAlive} and replay after {@code Last-Event-ID}), keeps each
 * event as a LogEntry too (the event's {@code LogEntry} link), and takes a PATCH of {@code
 * LocationIndicatorActive} or, in legacy mode, {@code IndicatorLED}. Fault switches: malformed
 * JSON, a stalled stream, a service that stops answering, a changed password; and no SSE at all.
 */
public final class RedfishMock implements AutoCloseable {
  public static final String USER = "vpanel";
  public static final String SYSTEM = "/redfish/v1/Systems/1";
  public static final String ENTRIES = SYSTEM + "/LogServices/Log1/Entries";
  public static final String SSE = "/redfish/v1/EventService/SSE";
  private static final String SESSIONS = "/redfish/v1/SessionService/Sessions";

  private static final Map<String, String> RESOURCES =
      Map.of(
          "/redfish/v1",
          "ServiceRoot.json",
          "/redfish/v1/Systems",
          "Systems.json",
          SYSTEM,
          "System1.json",
          "/redfish/v1/Chassis",
          "Chassis.json",
          "/redfish/v1/Chassis/1",
          "Chassis1.json",
          "/redfish/v1/EventService",
          "EventService.json",
          "/redfish/v1/SessionService",
          "SessionService.json",
          SYSTEM + "/LogServices",
          "LogServices.json",
          SYSTEM + "/LogServices/Log1",
          "Log1.json");

  /** One log entry the service holds. */
  public record Entry(
      String id,
      String created,
      String severity,
      String messageId,
      String message,
      String origin,
      int eventId) {}

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final TestCertificates.Pair ca;
  private final List<Entry> entries = new ArrayList<>();
  private final List<Entry> events = new ArrayList<>();
  private final Map<String, String> sessions = new ConcurrentHashMap<>();
  private final List<String> patches = new CopyOnWriteArrayList<>();
  private final AtomicInteger streamsOpened = new AtomicInteger();
  private final AtomicInteger sessionCounter = new AtomicInteger();
  private final List<String> lastEventIds = new CopyOnWriteArrayList<>();
  private volatile String password = "redfish-test-secret";
  private volatile boolean sse = true;
  private volatile boolean legacyLed;
  private volatile boolean malformed;
  private volatile boolean stalled;
  private volatile boolean silent;
  private volatile boolean locator;
  private volatile String indicatorLed = "Off";
  private volatile long keepAliveMillis = 500;
  private int nextEntry = 1;
  private int nextEvent = 1;
  private Instant lastCreated = Instant.EPOCH;

  private RedfishMock(Path dir) throws IOException {
    TestCertificates certificates = new TestCertificates(dir);
    ca = certificates.ca("redfish-test-ca");
    TestCertificates.Pair leaf = certificates.leaf(ca, "bmc");
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(sslContext(leaf)));
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A service on a free port of 127.0.0.1, its certificates in {@code dir}. */
  public static RedfishMock start(Path dir) throws IOException {
    return new RedfishMock(dir);
  }

  /** {@code https://127.0.0.1:<port>}. */
  public String uri() {
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The PEM file of the CA that signed the service's certificate. */
  public Path caFile() {
    return ca.certificate();
  }

  public String password() {
    return password;
  }

  /** From now on only this password is accepted (sessions already open stay valid). */
  public void password(String newPassword) {
    password = newPassword;
  }

  /** Ends every session (as a BMC reboot does). */
  public void dropSessions() {
    sessions.clear();
  }

  /** Whether the EventService offers {@code ServerSentEventUri} (default true). */
  public void sse(boolean offered) {
    sse = offered;
  }

  /** True: the system has only the older {@code IndicatorLED}, no LocationIndicatorActive. */
  public void legacyLed(boolean legacy) {
    legacyLed = legacy;
  }

  /** True: the log, the system and new events are served as broken JSON. */
  public void malformed(boolean broken) {
    malformed = broken;
  }

  /** True: open streams send nothing at all, not even keep-alives. */
  public void stallStream(boolean stall) {
    stalled = stall;
  }

  /** True: every request hangs unanswered (until false again, or 60 s). */
  public void stopAnswering(boolean stop) {
    silent = stop;
  }

  /** How often an open stream sends a {@code : keep-alive} comment. */
  public void keepAlive(java.time.Duration every) {
    keepAliveMillis = every.toMillis();
  }

  public boolean locatorActive() {
    return locator;
  }

  public String indicatorLed() {
    return indicatorLed;
  }

  /** Every PATCH body the service took, oldest first. */
  public List<String> patches() {
    return List.copyOf(patches);
  }

  public int streamsOpened() {
    return streamsOpened.get();
  }

  /** The {@code Last-Event-ID} headers of every stream opened (empty string for none). */
  public List<String> lastEventIds() {
    return List.copyOf(lastEventIds);
  }

  public int openSessions() {
    return sessions.size();
  }

  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  /**
   * A new event: a LogEntry in Log1 and an SSE event linking to it.
   *
   * @param severity {@code OK}, {@code Warning} or {@code Critical}
   * @param messageId for example {@code ResourceEvent.1.0.ResourceErrorsDetected}
   * @param origin the OriginOfCondition path
   */
  public synchronized Entry event(
      String severity, String messageId, String message, String origin) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    if (!now.isAfter(lastCreated)) {
      now = lastCreated.plusMillis(1);
    }
    lastCreated = now;
    Entry entry =
        new Entry(
            Integer.toString(nextEntry++),
            now.toString(),
            severity,
            messageId,
            message,
            origin,
            nextEvent++);
    entries.add(entry);
    events.add(entry);
    notifyAll();
    return entry;
  }

  /** Empties Log1 (LogService.ClearLog); entry ids start at 1 again, as many BMCs do. */
  public synchronized void clearLog() {
    entries.clear();
    nextEntry = 1;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (silent) {
        long until = System.nanoTime() + 60_000_000_000L;
        while (silent && System.nanoTime() < until) {
          Thread.sleep(20);
        }
      }
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      if (path.length() > 1 && path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      String body = new String(exchange.getRequestBody().readNBytes(65536), StandardCharsets.UTF_8);
      if (method.equals("POST") && path.equals(SESSIONS)) {
        login(exchange, body);
        return;
      }
      if (!path.equals("/redfish/v1") && !authorised(exchange)) {
        json(exchange, 401, "{\"error\":{\"code\":\"Base.1.8.NoValidSession\"}}");
        return;
      }
      if (method.equals("DELETE") && path.startsWith(SESSIONS + "/")) {
        boolean gone = sessions.remove(path.substring(SESSIONS.length() + 1)) != null;
        exchange.sendResponseHeaders(gone ? 204 : 404, -1);
        return;
      }
      if (method.equals("GET") && path.equals(SSE)) {
        if (!sse) {
          json(exchange, 404, "{}");
        } else {
          stream(exchange);
        }
        return;
      }
      if (method.equals("PATCH") && (path.equals(SYSTEM) || path.equals("/redfish/v1/Chassis/1"))) {
        patch(exchange, body);
        return;
      }
      if (!method.equals("GET")) {
        json(exchange, 405, "{}");
        return;
      }
      Optional<String> answer = resource(path);
      if (answer.isEmpty()) {
        json(exchange, 404, "{\"error\":{\"code\":\"Base.1.8.ResourceMissingAtURI\"}}");
      } else {
        json(exchange, 200, answer.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away
    }
  }

  private boolean authorised(HttpExchange exchange) {
    String token = exchange.getRequestHeaders().getFirst("X-Auth-Token");
    if (token != null) {
      return sessions.containsValue(token);
    }
    String basic = exchange.getRequestHeaders().getFirst("Authorization");
    if (basic == null || !basic.startsWith("Basic ")) {
      return false;
    }
    String pair;
    try {
      pair = new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return pair.equals(USER + ":" + password);
  }

  private void login(HttpExchange exchange, String body) throws IOException {
    String user = field(body, "UserName");
    String pass = field(body, "Password");
    if (!USER.equals(user) || !password.equals(pass)) {
      json(exchange, 401, "{\"error\":{\"code\":\"Base.1.8.GeneralError\"}}");
      return;
    }
    String id = Integer.toString(sessionCounter.incrementAndGet());
    String token = java.util.UUID.randomUUID().toString();
    sessions.put(id, token);
    exchange.getResponseHeaders().add("X-Auth-Token", token);
    exchange.getResponseHeaders().add("Location", SESSIONS + "/" + id);
    json(
        exchange,
        201,
        "{\"@odata.type\":\"#Session.v1_6_0.Session\",\"Id\":\""
            + id
            + "\",\"UserName\":\""
            + USER
            + "\",\"@odata.id\":\""
            + SESSIONS
            + "/"
            + id
            + "\"}");
  }

  private void patch(HttpExchange exchange, String body) throws IOException {
    Matcher active =
        Pattern.compile("\"LocationIndicatorActive\"\\s*:\\s*(true|false)").matcher(body);
    Matcher led = Pattern.compile("\"IndicatorLED\"\\s*:\\s*\"(Lit|Blinking|Off)\"").matcher(body);
    if (active.find() && !legacyLed) {
      locator = Boolean.parseBoolean(active.group(1));
    } else if (led.find()) {
      indicatorLed = led.group(1);
    } else {
      json(
          exchange,
          400,
          "{\"error\":{\"code\":\"Base.1.8.PropertyUnknown\",\"message\":\"unknown property\"}}");
      return;
    }
    patches.add(body);
    exchange.sendResponseHeaders(204, -1);
  }

  private Optional<String> resource(String path) {
    if (malformed && (path.equals(ENTRIES) || path.startsWith(ENTRIES + "/"))) {
      return Optional.of("{\"Members\": [ {\"Id\": \"1\", ");
    }
    if (path.equals(ENTRIES)) {
      return Optional.of(entriesJson());
    }
    if (path.startsWith(ENTRIES + "/")) {
      String id = path.substring(ENTRIES.length() + 1);
      synchronized (this) {
        return entries.stream().filter(e -> e.id().equals(id)).findFirst().map(this::entryJson);
      }
    }
    String file = RESOURCES.get(path);
    if (file == null) {
      return Optional.empty();
    }
    String text = read(file);
    String locatorText =
        legacyLed
            ? "\"IndicatorLED\": \"" + indicatorLed + "\","
            : "\"LocationIndicatorActive\": " + locator + ", \"IndicatorLED\": \"Off\",";
    text = text.replace("\"LOCATOR\": \"PLACEHOLDER\",", locatorText);
    text =
        text.replace(
            "\"SSE\": \"PLACEHOLDER\",", sse ? "\"ServerSentEventUri\": \"" + SSE + "\"," : "");
    return Optional.of(text);
  }

  private synchronized String entriesJson() {
    StringBuilder out = new StringBuilder();
    out.append("{\"@odata.type\":\"#LogEntryCollection.LogEntryCollection\",")
        .append("\"Name\":\"Log Service Collection\",\"Members@odata.count\":")
        .append(entries.size())
        .append(",\"Members\":[");
    for (int i = 0; i < entries.size(); i++) {
      out.append(i == 0 ? "" : ",").append(entryJson(entries.get(i)));
    }
    return out.append("],\"@odata.id\":\"").append(ENTRIES).append("\"}").toString();
  }

  private String entryJson(Entry e) {
    return "{\"@odata.type\":\"#LogEntry.v1_15_0.LogEntry\",\"Id\":\""
        + e.id()
        + "\",\"Name\":\"Log Entry "
        + e.id()
        + "\",\"EntryType\":\"Event\",\"Severity\":\""
        + e.severity()
        + "\",\"Created\":\""
        + e.created()
        + "\",\"MessageId\":\""
        + e.messageId()
        + "\",\"Message\":"
        + quote(e.message())
        + ",\"SensorType\":\"Power Supply / Converter\",\"Links\":{\"OriginOfCondition\":"
        + "{\"@odata.id\":\""
        + e.origin()
        + "\"}},\"@odata.id\":\""
        + ENTRIES
        + "/"
        + e.id()
        + "\"}";
  }

  private String eventJson(Entry e) {
    if (malformed) {
      return "{\"Events\": [ {\"EventId\": ";
    }
    return "{\"@odata.type\":\"#Event.v1_7_0.Event\",\"Id\":\""
        + e.eventId()
        + "\",\"Name\":\"Event Array\",\"Events\":[{\"EventType\":\"Alert\",\"EventId\":\""
        + e.eventId()
        + "\",\"EventTimestamp\":\""
        + e.created()
        + "\",\"MessageSeverity\":\""
        + e.severity()
        + "\",\"MessageId\":\""
        + e.messageId()
        + "\",\"Message\":"
        + quote(e.message())
        + ",\"OriginOfCondition\":{\"@odata.id\":\""
        + e.origin()
        + "\"},\"LogEntry\":{\"@odata.id\":\""
        + ENTRIES
        + "/"
        + e.id()
        + "\"}}]}";
  }

  private void stream(HttpExchange exchange) throws IOException, InterruptedException {
    streamsOpened.incrementAndGet();
    String last = exchange.getRequestHeaders().getFirst("Last-Event-ID");
    lastEventIds.add(last == null ? "" : last);
    int sent;
    synchronized (this) {
      sent = events.size();
      if (last != null) {
        try {
          int after = Integer.parseInt(last.trim());
          sent = (int) events.stream().filter(e -> e.eventId() <= after).count();
        } catch (NumberFormatException e) {
          // an id not ours: no replay
        }
      }
    }
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().add("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    long lastWrite = System.nanoTime();
    while (true) {
      List<Entry> pending;
      synchronized (this) {
        if (events.size() <= sent) {
          wait(Math.max(10, keepAliveMillis / 2));
        }
        pending = stalled ? List.of() : List.copyOf(events.subList(sent, events.size()));
        sent += pending.size();
      }
      if (silent) {
        while (silent) {
          Thread.sleep(20);
        }
      }
      for (Entry e : pending) {
        out.write(
            ("id: " + e.eventId() + "\ndata: " + eventJson(e) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        lastWrite = System.nanoTime();
      }
      if (!stalled && System.nanoTime() - lastWrite > keepAliveMillis * 1_000_000) {
        out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
        lastWrite = System.nanoTime();
      }
      out.flush();
    }
  }

  private static void json(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.getResponseHeaders().add("OData-Version", "4.0");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static String field(String json, String name) {
    Matcher m =
        Pattern.compile("\"" + name + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
    return m.find() ? m.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : null;
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static String read(String file) {
    try (InputStream in = RedfishMock.class.getResourceAsStream("redfish/" + file)) {
      if (in == null) {
        throw new IllegalStateException("missing testkit resource redfish/" + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static SSLContext sslContext(TestCertificates.Pair leaf) {
    try {
      String pem = Files.readString(leaf.key());
      String base64 =
          pem.replaceAll("-----(BEGIN|END) [A-Z ]*PRIVATE KEY-----", "").replaceAll("\\s", "");
      PrivateKey key =
          KeyFactory.getInstance(leaf.x509().getPublicKey().getAlgorithm())
              .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("bmc", key, new char[0], new Certificate[] {leaf.x509()});
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException("cannot set up the mock's TLS", e);
    }
  }
}
