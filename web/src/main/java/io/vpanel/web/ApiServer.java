package io.vpanel.web;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.journal.JournalEntry;
import io.vpanel.core.journal.JournalQuery;
import io.vpanel.core.journal.JournalReader;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.plan.Plan;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.management.NoticeSeverity;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The REST API, the server-sent event stream, {@code /metrics}, {@code /healthz} and the web front
 * panel's files. Reads serve the engine's latest snapshot; mutations need the bearer token and are
 * handed to the engine's owner thread.
 *
 * <p>It owns the {@link WebPanels} hub: create the server first, offer {@link #webPanels()} to the
 * panel drivers ({@link #withServices}), build the engine with them, then {@link #start} it. The
 * page's display and button reach the web panel drivers only through that hub.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final Duration ENGINE_ANSWER_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_NOTICE_LENGTH = 200;
  private static final int MAX_FROM_LENGTH = 64;

  /** The longest a notice is shown: a week. */
  private static final long MAX_TTL_SECONDS = 7 * 86_400;

  /** Mutations per token: a burst of 50, then 10 a second. */
  static final double MUTATIONS_PER_SECOND = 10;

  static final double MUTATION_BURST = 50;

  /** Web panel button events (presses and releases) per host: a burst of 20, then 4 a second. */
  static final double BUTTON_EVENTS_PER_SECOND = 4;

  static final double BUTTON_BURST = 20;

  private final ApiTokens tokens;
  private final boolean readsNeedToken;
  private final AlertmanagerSettings alertmanager;
  private volatile RateLimiter mutations =
      new RateLimiter(MUTATIONS_PER_SECOND, MUTATION_BURST, System::nanoTime);
  private volatile RateLimiter buttons =
      new RateLimiter(BUTTON_EVENTS_PER_SECOND, BUTTON_BURST, System::nanoTime);
  private final AuthFailures authFailures = new AuthFailures(System::nanoTime);
  private final StreamTickets tickets = new StreamTickets(System::nanoTime);
  private final WebPanels webPanels = new WebPanels();
  private final JsonViews json;
  private final SseHub sse;
  private final Metrics metrics;
  private final JournalReader journal;
  private final StreamLimits streams;
  private final HostHeaderCheck hostCheck;
  private final ApiTls tls;
  private ClusterEngine engine;
  private Javalin app;

  /**
   * @param token the bearer token mutations need; never logged
   */
  public ApiServer(String token) {
    this(token, "default", null);
  }

  /**
   * @param token the bearer token mutations need; never logged
   * @param tokenName the token's name, recorded as the origin of API requests ({@code api:<name>});
   *     the token itself is never recorded
   * @param journal where {@code GET /hosts/{host}/journal} reads, or null without a journal
   */
  public ApiServer(String token, String tokenName, JournalReader journal) {
    this(token, tokenName, journal, ApiSettings.defaults());
  }

  /**
   * @param token the bearer token mutations need; never logged
   * @param tokenName the token's name, recorded as the origin of API requests ({@code api:<name>})
   * @param journal where {@code GET /hosts/{host}/journal} reads, or null without a journal
   * @param settings accepted host names and stream limits
   */
  public ApiServer(String token, String tokenName, JournalReader journal, ApiSettings settings) {
    this(ApiTokens.single(token, tokenName, Role.ADMIN), journal, settings);
  }

  /**
   * @param tokens the tokens and their roles; a request's origin is {@code api:<token name>}
   * @param journal where {@code GET /hosts/{host}/journal} reads, or null without a journal
   * @param settings accepted host names, stream limits, whether reads need a token
   */
  public ApiServer(ApiTokens tokens, JournalReader journal, ApiSettings settings) {
    this.tokens = tokens;
    this.readsNeedToken = settings.readsNeedToken();
    this.alertmanager = settings.alertmanager();
    this.journal = journal;
    this.json = new JsonViews(JsonMapper.builder().build());
    this.streams =
        new StreamLimits(settings.maxEventStreams(), settings.maxEventStreamsPerClient());
    this.hostCheck = new HostHeaderCheck(settings.allowedHosts());
    this.tls = settings.tls().map(ApiTls::new).orElse(null);
    this.sse = new SseHub(json);
    this.metrics = new Metrics(sse, streams);
    webPanels.addListener(sse);
  }

  /**
   * Where web panel drivers register: offer it to them before they are created (see {@link
   * #withServices}). The pages this server serves draw what they publish there.
   */
  public WebPanelEndpoint webPanels() {
    return webPanels;
  }

  /**
   * Reports the journal's health as {@code vpanel_journal_up}: {@code unavailable} says why it
   * cannot record now, empty when it can. Without a call the metric is absent (no journal).
   */
  public void journalHealth(java.util.function.Supplier<Optional<String>> unavailable) {
    metrics.journal(unavailable);
  }

  /** {@code context} with what this server offers drivers: the {@link WebPanelEndpoint}. */
  public DriverContext withServices(DriverContext context) {
    return context.with(WebPanelEndpoint.class, webPanels);
  }

  /** Serves {@code engine} on {@code host:port} (port 0 picks a free one). */
  public ApiServer start(ClusterEngine engine, String host, int port) {
    if (this.engine != null) {
      throw new IllegalStateException("the API server is started already");
    }
    this.engine = engine;
    PanelFiles panelFiles = PanelFiles.load(ApiServer.class.getClassLoader());
    String bindHost = ListenAddress.unbracketed(host);
    engine.addListener(sse);
    engine.addListener(metrics);
    app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.jetty.host = bindHost;
              config.jetty.port = port;
              config.http.maxRequestSize = ApiLimits.MAX_BODY_BYTES;
              config.http.prefer405over404 = true;
              config.jetty.modifyServer(
                  server -> server.setErrorHandler(new JsonErrorHandler(json)));
              config.jetty.modifyHttpConfiguration(
                  http -> {
                    http.setRequestHeaderSize(ApiLimits.MAX_HEADER_BYTES);
                    http.setOutputBufferSize(ApiLimits.OUTPUT_BUFFER_BYTES);
                    http.setSendServerVersion(false);
                    http.setSendXPoweredBy(false);
                  });
              if (tls != null) {
                config.jetty.addConnector(
                    (server, http) -> {
                      HttpConfiguration https = new HttpConfiguration(http);
                      // Clients check the certificate against the name they asked for, and the
                      // Host check below guards the names; Jetty's SNI check would only add 400s.
                      https.addCustomizer(new SecureRequestCustomizer(false));
                      ServerConnector connector =
                          new ServerConnector(
                              server,
                              new SslConnectionFactory(tls.factory(), "http/1.1"),
                              new HttpConnectionFactory(https));
                      connector.setHost(bindHost);
                      connector.setPort(port);
                      return connector;
                    });
              }
              config.routes.before(this::guard);
              for (PanelFiles.PanelFile file : panelFiles.byUrlPath().values()) {
                config.routes.get(file.urlPath(), ctx -> PanelFiles.serve(ctx, file));
                config.routes.head(file.urlPath(), ctx -> PanelFiles.serve(ctx, file));
              }
              config.routes.get("/healthz", this::health);
              config.routes.get("/metrics", this::metrics);
              config.routes.get("/api/v1/hosts", this::hosts);
              config.routes.get("/api/v1/hosts/{host}", this::host);
              config.routes.get("/api/v1/hosts/{host}/maintenance/plan", this::plan);
              config.routes.get("/api/v1/hosts/{host}/journal", this::journal);
              config.routes.get("/api/v1/hosts/{host}/panel", this::panel);
              config.routes.post("/api/v1/hosts/{host}/maintenance", this::maintenance);
              config.routes.post("/api/v1/hosts/{host}/notices", this::notice);
              config.routes.delete("/api/v1/hosts/{host}/notices/{id}", this::withdrawNotice);
              config.routes.post("/api/v1/hosts/{host}/panel/button", this::button);
              config.routes.post("/api/v1/alertmanager", this::alertmanager);
              config.routes.post("/api/v1/events/tickets", this::ticket);
              config.routes.get(
                  "/api/v1/events", new EventStreamRoute(sse, streams, ctx -> readable(ctx, true)));
              config.routes.exception(
                  ApiError.class,
                  (e, ctx) -> {
                    if (e.status == 401) {
                      ctx.header("WWW-Authenticate", "Bearer realm=\"vpanel\"");
                    }
                    if (e.retryAfterSeconds > 0) {
                      ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds));
                    }
                    error(ctx, e.status, e.getMessage());
                  });
              config.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    log.error("request {} failed", describe(ctx), e);
                    error(ctx, 500, "internal error; see the agent's log");
                  });
              // Javalin answers unmatched routes itself, in plain text; the API speaks JSON.
              config.routes.exception(
                  HttpResponseException.class,
                  (e, ctx) ->
                      error(
                          ctx,
                          e.getStatus(),
                          switch (e.getStatus()) {
                            case 404 -> "no such resource: " + describe(ctx);
                            case 405 -> "method " + ctx.method() + " not allowed on " + path(ctx);
                            default -> e.getMessage();
                          }));
            });
    try {
      app.start();
    } catch (RuntimeException e) {
      Throwable cause = e;
      while (cause.getCause() != null && !(cause instanceof java.net.BindException)) {
        cause = cause.getCause();
      }
      if (cause instanceof java.net.BindException) {
        throw new ListenException(
            "cannot listen on "
                + ListenAddress.authority(bindHost, port)
                + ": "
                + cause.getMessage()
                + " (another vpanel or service uses it? pick another port)",
            e);
      }
      throw e;
    }
    if (tls != null) {
      tls.startWatching();
      log.info(
          "API listening on https://{}/ with {}{}",
          ListenAddress.authority(bindHost, app.port()),
          PemFiles.describe(tls.certificate()),
          tls.mutual() ? "; clients must present a certificate of the client CA" : "");
    } else {
      log.info("API listening on http://{}/", ListenAddress.authority(bindHost, app.port()));
    }
    return this;
  }

  /** {@code https} when the API serves TLS, else {@code http}. */
  public String scheme() {
    return tls == null ? "http" : "https";
  }

  /** The API's TLS (its certificate in use, its reload check); empty for plain HTTP. */
  public Optional<ApiTls> tls() {
    return Optional.ofNullable(tls);
  }

  /**
   * No rate limit on mutations and button events: for fuzzing the parsers behind the limits and for
   * benchmarks that measure latency, not the limits. The agent never calls it.
   */
  public void withoutRateLimits() {
    mutations = new RateLimiter(1e9, 1e9, System::nanoTime);
    buttons = new RateLimiter(1e9, 1e9, System::nanoTime);
  }

  public int port() {
    return app.port();
  }

  public SseHub sse() {
    return sse;
  }

  @Override
  public void close() {
    webPanels.removeListener(sse);
    if (engine != null) {
      engine.removeListener(sse);
      engine.removeListener(metrics);
    }
    sse.close();
    if (tls != null) {
      tls.close();
    }
    if (app != null) {
      app.stop();
    }
  }

  // ---------------------------------------------------------------- handlers

  /** Before every route: the security headers, then the Host check. */
  private void guard(Context ctx) {
    SecurityHeaders.apply(ctx);
    hostCheck
        .refusal(ctx.header("Host"))
        .ifPresent(
            reason -> {
              throw new ApiError(403, reason);
            });
  }

  private void health(Context ctx) {
    var snapshot = engine.snapshot();
    ObjectNode node = json.mapper().createObjectNode();
    long down = snapshot.hosts().stream().filter(h -> !h.hypervisorConnected()).count();
    node.put("status", down == 0 ? "ok" : "degraded");
    node.put("hosts", snapshot.hosts().size());
    node.put("hypervisorsDown", down);
    node.put("snapshotVersion", snapshot.version());
    send(ctx, 200, node);
  }

  private void metrics(Context ctx) {
    readable(ctx, false);
    ctx.contentType(Metrics.contentType()).result(metrics.scrape());
  }

  private void hosts(Context ctx) {
    readable(ctx, false);
    ObjectNode node = json.mapper().createObjectNode();
    var array = node.putArray("hosts");
    engine.snapshot().hosts().forEach(h -> array.add(json.host(h, false)));
    send(ctx, 200, node);
  }

  private void host(Context ctx) {
    readable(ctx, false);
    send(ctx, 200, json.host(knownHost(ctx), true));
  }

  private void plan(Context ctx) {
    readable(ctx, false);
    HostStatus host = knownHost(ctx);
    Plan plan = await(engine.plan(host.name()));
    send(ctx, 200, json.plan(plan));
  }

  private void maintenance(Context ctx) {
    Caller caller = mutation(ctx, Role.OPERATOR);
    HostStatus host = knownHost(ctx);
    JsonNode body = body(ctx);
    String actionText = text(body, "action", true);
    MaintenanceAction action =
        MaintenanceAction.parse(actionText)
            .orElseThrow(
                () ->
                    new ApiError(
                        400,
                        "unknown action '"
                            + ApiLimits.quote(actionText)
                            + "' (use enter, exit or cancel)"));
    CommandResult result = await(engine.request(host.name(), action, "api:" + caller.name()));
    ObjectNode node = json.mapper().createObjectNode();
    node.put("host", host.name());
    node.put("action", action.label());
    node.put("accepted", result.accepted());
    node.put(result.accepted() ? "message" : "error", result.message());
    send(ctx, result.accepted() ? 202 : 409, node);
  }

  private void journal(Context ctx) {
    readable(ctx, false);
    HostStatus host = knownHost(ctx);
    if (journal == null) {
      throw new ApiError(404, "this agent keeps no journal (set journal.path)");
    }
    String format = Optional.ofNullable(ctx.queryParam("format")).orElse("json");
    if (!format.equals("json") && !format.equals("jsonl")) {
      throw new ApiError(400, "format must be json or jsonl");
    }
    String limitText = ctx.queryParam("limit");
    Optional<Long> before = id(ctx, "before");
    Optional<Long> after = id(ctx, "after");
    if (before.isPresent() && after.isPresent()) {
      throw new ApiError(400, "give before or after, not both");
    }
    Set<String> kinds = new LinkedHashSet<>();
    for (String kind : ctx.queryParams("kind")) {
      Arrays.stream(kind.split(","))
          .map(String::trim)
          .filter(k -> !k.isEmpty())
          .forEach(kinds::add);
    }
    Optional<Instant> since;
    try {
      since = Optional.ofNullable(ctx.queryParam("since")).map(Instant::parse);
    } catch (DateTimeParseException e) {
      throw new ApiError(
          400, "since must be an ISO-8601 instant, for example 2026-01-31T08:00:00Z");
    }
    try {
      if (format.equals("jsonl") && limitText == null) {
        // The whole (filtered) history, oldest first, for audit.
        StringBuilder out = new StringBuilder();
        long cursor = after.orElse(0L);
        while (true) {
          List<JournalEntry> page =
              journal.read(
                  new JournalQuery(
                      host.name(),
                      JournalQuery.MAX_LIMIT,
                      before,
                      Optional.of(cursor),
                      kinds,
                      since));
          for (JournalEntry entry : page) {
            out.append(json.write(entryNode(entry))).append('\n');
          }
          if (page.size() < JournalQuery.MAX_LIMIT) {
            break;
          }
          cursor = page.get(page.size() - 1).id();
        }
        ctx.status(200).contentType("application/x-ndjson").result(out.toString());
        return;
      }
      int limit = limitText == null ? 100 : parseLimit(limitText);
      List<JournalEntry> entries =
          journal.read(new JournalQuery(host.name(), limit, before, after, kinds, since));
      if (format.equals("jsonl")) {
        StringBuilder out = new StringBuilder();
        entries.forEach(e -> out.append(json.write(entryNode(e))).append('\n'));
        ctx.status(200).contentType("application/x-ndjson").result(out.toString());
        return;
      }
      ObjectNode node = json.mapper().createObjectNode();
      node.put("host", host.name());
      var array = node.putArray("entries");
      entries.forEach(e -> array.add(entryNode(e)));
      if (entries.size() == limit && after.isEmpty()) {
        node.put("nextBefore", entries.get(entries.size() - 1).id());
      } else if (!entries.isEmpty() && after.isPresent()) {
        node.put("nextAfter", entries.get(entries.size() - 1).id());
      }
      send(ctx, 200, node);
    } catch (IllegalStateException e) {
      throw new ApiError(503, e.getMessage());
    }
  }

  private ObjectNode entryNode(JournalEntry entry) {
    ObjectNode node = json.mapper().createObjectNode();
    node.put("id", entry.id());
    node.put("at", entry.at().toString());
    node.put("host", entry.host());
    node.put("kind", entry.kind());
    node.put("message", entry.message());
    node.set("fields", json.mapper().valueToTree(new java.util.TreeMap<>(entry.fields())));
    return node;
  }

  private static int parseLimit(String text) {
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= JournalQuery.MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ApiError(400, "limit must be a whole number from 1 to " + JournalQuery.MAX_LIMIT);
  }

  private static Optional<Long> id(Context ctx, String name) {
    String text = ctx.queryParam(name);
    if (text == null) {
      return Optional.empty();
    }
    try {
      long id = Long.parseLong(text);
      if (id >= 0) {
        return Optional.of(id);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ApiError(400, name + " must be an entry id (a whole number)");
  }

  private static final java.util.regex.Pattern NOTICE_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private void notice(Context ctx) {
    mutation(ctx, Role.NOTIFIER);
    HostStatus host = knownHost(ctx);
    JsonNode body = body(ctx);
    String text = printable(body, "text", true, MAX_NOTICE_LENGTH);
    NoticeSeverity severity = noticeSeverity(body);
    Optional<Instant> until = noticeExpiry(body);
    String from =
        Optional.ofNullable(printable(body, "from", false, MAX_FROM_LENGTH)).orElse("api");
    CommandResult result =
        await(
            until.isPresent()
                ? engine.postNoticeUntil(host.name(), text, severity, until.get(), from)
                : engine.postNotice(
                    host.name(),
                    text,
                    severity,
                    Duration.ofSeconds(
                        wholeNumber(body, "ttlSeconds", 1, MAX_TTL_SECONDS).orElse(300L)),
                    from));
    ObjectNode node = json.mapper().createObjectNode();
    node.put("host", host.name());
    node.put("accepted", result.accepted());
    if (result.accepted() && result.message().startsWith(ClusterEngine.FORWARDED)) {
      node.putNull("id"); // the peer's agent gives it its id
      node.put("message", severity.label() + " notice " + result.message());
    } else if (result.accepted()) {
      node.put("id", result.message());
      node.put("message", severity.label() + " notice shown on " + host.name());
    } else {
      node.put("message", result.message());
    }
    send(ctx, result.accepted() ? 202 : 409, node);
  }

  /**
   * Takes a notice off a host's panels and its list by the id its post answered: {@code 200} with
   * the id, {@code 404} when the host shows no such notice (expired, withdrawn or never shown),
   * {@code 409} for a peer's host (its own agent holds its notices).
   */
  private void withdrawNotice(Context ctx) {
    Caller caller = mutation(ctx, Role.NOTIFIER);
    HostStatus host = knownHost(ctx);
    String id = ctx.pathParam("id");
    if (!NOTICE_ID.matcher(id).matches()) {
      throw new ApiError(
          400,
          "a notice id is 1 to 64 letters, digits or . _ - (was '" + ApiLimits.quote(id) + "')");
    }
    CommandResult result =
        await(engine.withdrawNoticeById(host.name(), id, "api:" + caller.name()));
    if (!result.accepted()) {
      throw new ApiError(result.message().startsWith("no notice ") ? 404 : 409, result.message());
    }
    ObjectNode node = json.mapper().createObjectNode();
    node.put("host", host.name());
    node.put("id", id);
    node.put("withdrawn", true);
    node.put("message", "notice " + id + " withdrawn from " + host.name());
    send(ctx, 200, node);
  }

  /**
   * Alertmanager's webhook (version 4): each firing alert whose labels name a known host is shown
   * as a notice on it under its fingerprint (a repeated notification renews it, never duplicates
   * it), each resolved one withdraws its notice. The payload is checked whole first; an alert for
   * no known host is skipped and named in the answer, which is {@code 200} whenever the payload was
   * read (Alertmanager retries only what failed).
   */
  private void alertmanager(Context ctx) {
    mutation(ctx, Role.NOTIFIER);
    AlertmanagerWebhook.Payload payload = AlertmanagerWebhook.parse(body(ctx));
    var snapshot = engine.snapshot();
    Instant now = engine.now();
    String from = payload.from();
    record Pending(
        AlertmanagerWebhook.Alert alert, String host, CompletableFuture<CommandResult> answer) {}
    List<Pending> pending = new java.util.ArrayList<>();
    ObjectNode node = json.mapper().createObjectNode();
    node.put("receiver", payload.receiver());
    var shown = node.putArray("shown");
    var withdrawn = node.putArray("withdrawn");
    var skipped = node.putArray("skipped");
    for (AlertmanagerWebhook.Alert alert : payload.alerts()) {
      Optional<String> host =
          AlertmanagerWebhook.host(
              alert, alertmanager.hostLabels(), name -> snapshot.host(name).isPresent());
      if (host.isEmpty()) {
        ObjectNode skip = skipped.addObject();
        skip.put("fingerprint", alert.fingerprint());
        skip.put(
            "reason",
            ApiLimits.message(
                "no label of "
                    + alertmanager.hostLabels()
                    + " names a host of this agent"
                    + alertmanager.hostLabels().stream()
                        .filter(alert.labels()::containsKey)
                        .findFirst()
                        .map(l -> " (" + l + "=\"" + ApiLimits.quote(alert.labels().get(l)) + "\")")
                        .orElse("")));
        metrics.alertmanagerAlert("skipped");
        continue;
      }
      Optional<String> key = Optional.of(alert.key());
      CompletableFuture<CommandResult> answer;
      if (!alert.firing()) {
        answer = engine.withdrawNotice(host.get(), alert.key(), from);
      } else if (alert.endsAt().isPresent()
          && alert.endsAt().get().isAfter(now)
          && !alert.endsAt().get().isAfter(now.plus(AlertmanagerSettings.MAX_NOTICE_TTL))) {
        answer =
            engine.postNoticeUntil(
                host.get(), alert.text(), alert.severity(), alert.endsAt().get(), from, key);
      } else {
        answer =
            engine.postNotice(
                host.get(), alert.text(), alert.severity(), alertmanager.noticeTtl(), from, key);
      }
      pending.add(new Pending(alert, host.get(), answer));
    }
    for (Pending p : pending) {
      CommandResult result = await(p.answer());
      if (p.alert().firing()) {
        ObjectNode item = shown.addObject();
        item.put("host", p.host());
        item.put("fingerprint", p.alert().fingerprint());
        item.put("accepted", result.accepted());
        item.put(result.accepted() ? "id" : "message", result.message());
        if (result.accepted()) {
          metrics.alertmanagerAlert("shown");
        }
      } else if (result.accepted()) {
        metrics.alertmanagerAlert("withdrawn");
        ObjectNode item = withdrawn.addObject();
        item.put("host", p.host());
        item.put("fingerprint", p.alert().fingerprint());
        item.put("id", result.message());
      }
    }
    send(ctx, 200, node);
  }

  private static NoticeSeverity noticeSeverity(JsonNode body) {
    String severity = text(body, "severity", false);
    if (severity == null) {
      return NoticeSeverity.INFO;
    }
    return NoticeSeverity.parse(severity)
        .orElseThrow(
            () ->
                new ApiError(
                    400,
                    "severity must be info, warning or critical, not \""
                        + ApiLimits.quote(severity)
                        + "\""));
  }

  /**
   * A notice's {@code expiresAt}, checked; empty when it gives {@code ttlSeconds} (5 min by
   * default) instead.
   */
  private Optional<Instant> noticeExpiry(JsonNode body) {
    Optional<Long> ttlSeconds = wholeNumber(body, "ttlSeconds", 1, MAX_TTL_SECONDS);
    String expiresAt = text(body, "expiresAt", false);
    if (expiresAt == null) {
      return Optional.empty();
    }
    if (ttlSeconds.isPresent()) {
      throw new ApiError(400, "give ttlSeconds or expiresAt, not both");
    }
    Instant until;
    try {
      until = OffsetDateTime.parse(expiresAt).toInstant();
    } catch (DateTimeParseException e) {
      throw new ApiError(
          400,
          "expiresAt must be an RFC 3339 time such as 2026-12-02T14:00:00Z, not \""
              + ApiLimits.quote(expiresAt)
              + "\"");
    }
    Duration ttl = Duration.between(engine.now(), until);
    if (!ttl.isPositive()) {
      throw new ApiError(400, "expiresAt " + until + " is not in the future");
    }
    if (ttl.toSeconds() > MAX_TTL_SECONDS) {
      throw new ApiError(400, "expiresAt " + until + " is more than 7 days away");
    }
    return Optional.of(until);
  }

  private void panel(Context ctx) {
    readable(ctx, false);
    HostStatus host = knownHost(ctx);
    WebPanelView view =
        webPanels
            .view(host.name())
            .orElseThrow(() -> new ApiError(404, "host " + host.name() + " has no web panel"));
    send(ctx, 200, json.webPanel(view));
  }

  private static ApiError noWebPanel(HostStatus host) {
    return new ApiError(404, "host " + host.name() + " has no web panel configured");
  }

  private void button(Context ctx) {
    mutation(ctx, Role.OPERATOR);
    HostStatus host = knownHost(ctx);
    int wait = buttons.take(host.name());
    if (wait > 0) {
      throw new ApiError(
          429, "too many button events for " + host.name() + "; wait " + wait + " s", wait);
    }
    if (webPanels.view(host.name()).isEmpty()) {
      throw noWebPanel(host);
    }
    JsonNode body = body(ctx);
    JsonNode pressed = body.get("pressed");
    if (pressed == null || !pressed.isBoolean()) {
      throw new ApiError(400, "body needs \"pressed\": true or false");
    }
    switch (webPanels.press(host.name(), pressed.asBoolean())) {
      // Its driver closed since the check above.
      case NO_PANEL -> throw noWebPanel(host);
      case NOT_STARTED ->
          throw new ApiError(409, "the web panel of " + host.name() + " is not started");
      case DELIVERED -> {}
    }
    ObjectNode node = json.mapper().createObjectNode();
    node.put("host", host.name());
    node.put("pressed", pressed.asBoolean());
    send(ctx, 202, node);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A ticket for one event stream, for a page whose reads need a token (see {@link StreamTickets}).
   */
  private void ticket(Context ctx) {
    Caller caller = authorize(ctx, Role.VIEWER);
    ObjectNode node = json.mapper().createObjectNode();
    node.put("ticket", tickets.issue(caller));
    node.put("validSeconds", StreamTickets.VALID_SECONDS);
    send(ctx, 201, node);
  }

  /**
   * Where reads need a token, the caller must hold one (any role); an event stream may instead
   * bring a ticket ({@code ?ticket=}).
   */
  private void readable(Context ctx, boolean stream) {
    if (!readsNeedToken) {
      return;
    }
    if (stream && ctx.queryParam("ticket") != null) {
      if (tickets.redeem(ctx.queryParam("ticket")).isEmpty()) {
        throw new ApiError(401, "unknown, used or expired stream ticket; ask for a new one");
      }
      return;
    }
    authorize(ctx, Role.VIEWER);
  }

  /**
   * A call that changes something: refused when it comes from another site's page, then the token
   * and its role, then the token's rate.
   */
  private Caller mutation(Context ctx, Role needed) {
    refuseCrossOrigin(ctx);
    Caller caller = authorize(ctx, needed);
    int wait = mutations.take(caller.name());
    if (wait > 0) {
      throw new ApiError(
          429, "too many requests with token '" + caller.name() + "'; wait " + wait + " s", wait);
    }
    return caller;
  }

  /**
   * A browser names the page that sent a request in {@code Origin} (and {@code Sec-Fetch-Site});
   * the agent's own pages are same-origin, so any other origin is refused, token or not. The token
   * travels in a header, never a cookie, so no other site's page can send it by itself (no CSRF).
   */
  private static void refuseCrossOrigin(Context ctx) {
    String site = ctx.header("Sec-Fetch-Site");
    if (site != null && site.equalsIgnoreCase("cross-site")) {
      throw new ApiError(403, "cross-origin requests are refused");
    }
    String origin = ctx.header("Origin");
    if (origin == null || origin.equals("null") && site == null) {
      return; // not from a browser page (curl, the CLI), or a privacy-stripped origin
    }
    String host = ctx.header("Host");
    String originHost = origin.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
    if (host == null || !originHost.equalsIgnoreCase(host)) {
      throw new ApiError(
          403, "cross-origin requests are refused (Origin " + ApiLimits.quote(origin) + ")");
    }
  }

  /** The caller the bearer token names, with at least {@code needed}; else 401, 403 or 429. */
  private Caller authorize(Context ctx, Role needed) {
    String address = ctx.ip();
    int blocked = authFailures.blockedFor(address);
    if (blocked > 0) {
      throw new ApiError(
          429, "too many wrong tokens from your address; wait " + blocked + " s", blocked);
    }
    String header = ctx.header("Authorization");
    // The scheme name is case-insensitive (RFC 9110, section 11.1).
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
      throw new ApiError(401, "this call needs Authorization: Bearer <token>");
    }
    Optional<Caller> caller = tokens.caller(header.substring("Bearer ".length()).trim());
    if (caller.isEmpty()) {
      authFailures.failed(address);
      throw new ApiError(401, "invalid token");
    }
    authFailures.succeeded(address);
    if (!caller.get().role().allows(needed)) {
      throw new ApiError(
          403,
          "token '"
              + caller.get().name()
              + "' has role "
              + caller.get().role().label()
              + "; this call needs "
              + needed.needed());
    }
    return caller.get();
  }

  private HostStatus knownHost(Context ctx) {
    String name = ctx.pathParam("host");
    return engine
        .snapshot()
        .host(name)
        .orElseThrow(() -> new ApiError(404, "unknown host '" + ApiLimits.quote(name) + "'"));
  }

  private JsonNode body(Context ctx) {
    String body = ctx.body();
    if (body == null || body.isBlank()) {
      throw new ApiError(400, "request body must be a JSON object");
    }
    try {
      JsonNode node = json.mapper().readTree(body);
      if (node == null || !node.isObject()) {
        throw new ApiError(400, "request body must be a JSON object");
      }
      return node;
    } catch (JacksonException e) {
      throw new ApiError(400, "malformed JSON: " + e.getOriginalMessage());
    }
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw new ApiError(400, "missing field \"" + field + "\"");
      }
      return null;
    }
    if (!value.isString()) {
      throw new ApiError(400, "field \"" + field + "\" must be a string");
    }
    return value.asString();
  }

  /**
   * A text field a person will read on a panel or in the log: 1 to {@code max} characters, not
   * blank, and printable — no control characters (CR, LF, ESC, ...) and no invisible formatting
   * characters, which could forge a log line or move a display's cursor.
   */
  private static String printable(JsonNode body, String field, boolean required, int max) {
    String value = text(body, field, required);
    if (value == null) {
      return null;
    }
    if (value.isBlank() || value.length() > max) {
      throw new ApiError(400, field + " must be 1 to " + max + " characters");
    }
    for (int i = 0; i < value.length(); ) {
      int c = value.codePointAt(i);
      boolean unpaired = c <= Character.MAX_VALUE && Character.isSurrogate((char) c);
      if (Character.isISOControl(c) || unpaired || Character.getType(c) == Character.FORMAT) {
        throw new ApiError(
            400,
            String.format(
                "%s must be printable text: character %d is U+%04X, a control or formatting"
                    + " character",
                field, i + 1, c));
      }
      i += Character.charCount(c);
    }
    return value;
  }

  /** An optional whole number from {@code min} to {@code max}, whatever its JSON size. */
  private static Optional<Long> wholeNumber(JsonNode body, String field, long min, long max) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      long number = value.asLong();
      if (number >= min && number <= max) {
        return Optional.of(number);
      }
    }
    throw new ApiError(400, field + " must be a whole number from " + min + " to " + max);
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(ENGINE_ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new ApiError(503, "the agent is busy; try again");
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "interrupted");
    }
  }

  /** Method and path, or a placeholder once the request is gone (a stream closed under us). */
  private static String describe(Context ctx) {
    try {
      return ctx.method() + " " + path(ctx);
    } catch (RuntimeException e) {
      return "(request already closed)";
    }
  }

  /** The request's path as an error may quote it. */
  private static String path(Context ctx) {
    return ApiLimits.quote(ctx.path());
  }

  private void send(Context ctx, int status, ObjectNode node) {
    ctx.status(status).contentType("application/json").result(json.write(node));
  }

  private void error(Context ctx, int status, String message) {
    try {
      ctx.status(status)
          .contentType("application/json")
          .result(json.write(json.error(ApiLimits.message(message))));
    } catch (IllegalStateException | NullPointerException responseAlreadyGone) {
      // An event stream that closed while being written: there is no one left to answer.
      log.debug("no response to write {} to: {}", status, message);
    }
  }

  /** The API could not open its listening socket; the message says which and why. */
  public static final class ListenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ListenException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A request the API refuses, with the HTTP status and the reason. */
  static final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final int retryAfterSeconds;

    ApiError(int status, String message) {
      this(status, message, 0);
    }

    /** A refusal the client may try again after {@code retryAfterSeconds} ({@code Retry-After}). */
    ApiError(int status, String message, int retryAfterSeconds) {
      super(message);
      this.status = status;
      this.retryAfterSeconds = retryAfterSeconds;
    }
  }
}
