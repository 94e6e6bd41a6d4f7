package io.vpanel.core.engine;

import io.vpanel.core.journal.HostMemory;
import io.vpanel.core.journal.Journal;
import io.vpanel.core.journal.LearnedLink;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.plan.Plan;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.alert.AlertListener;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.MaintenanceRequest;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.spi.management.Notice;
import io.vpanel.spi.management.NoticeSeverity;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The engine's front door: commands (maintenance requests, plans, notices), snapshots and
 * listeners, and the hand-off of everything to the owner thread. The work is done by the parts in
 * {@link EngineParts}, one concern each (see docs/ARCHITECTURE.md); all their mutable state is
 * touched on the scheduler's owner thread only. Peer callbacks and API calls hand their work over
 * with {@code scheduler.execute}; calls that can reach a peer run on {@code blockingIo} (virtual
 * threads in production) and post their results back; panels render on {@code panelIo}.
 *
 * <p>After every change the engine publishes one immutable {@link ClusterSnapshot}; panels, the API
 * and metrics only ever read snapshots.
 */
public final class ClusterEngine implements AutoCloseable {
  private static final System.Logger log = System.getLogger(ClusterEngine.class.getName());

  private final EngineParts parts;
  private final List<HostBinding> bindings;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  public ClusterEngine(
      Scheduler scheduler,
      Executor blockingIo,
      EngineSettings settings,
      ManagementBackend management,
      List<HostBinding> bindings) {
    this(scheduler, blockingIo, settings, management, bindings, Journal.NONE);
  }

  /**
   * An engine that records to {@code journal} and carries on from the state it remembers: each
   * controlled host starts in its last durable state, and an evacuation or return that was running
   * resumes once the inventories are read. Panels render on {@code blockingIo} too.
   */
  public ClusterEngine(
      Scheduler scheduler,
      Executor blockingIo,
      EngineSettings settings,
      ManagementBackend management,
      List<HostBinding> bindings,
      Journal journal) {
    this(scheduler, blockingIo, blockingIo, settings, management, bindings, journal);
  }

  /** An engine whose panels render on {@code panelIo}. */
  public ClusterEngine(
      Scheduler scheduler,
      Executor blockingIo,
      Executor panelIo,
      EngineSettings settings,
      ManagementBackend management,
      List<HostBinding> bindings,
      Journal journal) {
    HostTable hosts = new HostTable();
    for (HostBinding binding : bindings) {
      hosts.add(
          new HostRecord(
              binding.connection().endpoint(),
              binding.connection(),
              binding.controlled(),
              binding.alerts().stream().map(AlertSource::name).toList(),
              scheduler.now()));
    }
    this.parts =
        new EngineParts(scheduler, blockingIo, panelIo, settings, management, journal, hosts);
    this.bindings = List.copyOf(bindings);
    for (HostMemory memory : journal.lastStates()) {
      HostRecord host = hosts.get(memory.host());
      if (host != null && host.controlled) {
        parts.recovery.restore(host, memory);
        parts.pfa.restore(host, memory.activeAlerts());
        host.alertCursors.putAll(memory.alertCursors());
      }
    }
    for (LearnedLink learned : journal.lastLearning()) {
      parts.learning.restore(learned);
    }
  }

  /**
   * How to connect a peer that registers while the agent runs (the hypervisor driver's {@code
   * connect}); without one, such a peer is used after a restart. Call before {@link #start}.
   */
  public void connectPeersWith(PeerConnector connector) {
    onOwner(() -> parts.peers.connectWith(connector));
  }

  /** Subscribes to every driver and reads the first inventories. Returns at once. */
  public void start() {
    onOwner(
        () -> {
          for (HostBinding binding : bindings) {
            HostRecord host = parts.hosts.get(binding.name());
            closeables.add(
                binding
                    .connection()
                    .subscribe(
                        event -> parts.scheduler.execute(() -> parts.inventory.onEvent(event))));
            for (PanelDriver panel : binding.panels()) {
              parts.panels.add(host, panel);
              panel.start(panelListener(host, panel));
            }
            for (AlertSource source : binding.alerts()) {
              source.start(
                  Optional.ofNullable(host.alertCursors.get(source.name())),
                  alertListener(host, source));
            }
          }
          if (parts.management != null) {
            parts.management.start(managementListener());
          }
          parts.recovery.announce();
          parts.hosts.all().forEach(parts.inventory::refresh);
          parts.inventory.schedulePeriodic();
          parts.publish();
        });
  }

  private PanelListener panelListener(HostRecord host, PanelDriver panel) {
    return new PanelListener() {
      @Override
      public void onButton(ButtonEvent event) {
        parts.scheduler.execute(() -> parts.gestures.on(host, panel, event));
      }

      @Override
      public void onCapabilitiesChanged() {
        parts.scheduler.execute(parts::publish);
      }

      @Override
      public void onFault(Optional<String> problem) {
        Optional<String> reported = Objects.requireNonNullElse(problem, Optional.empty());
        parts.scheduler.execute(() -> parts.panels.fault(panel, reported));
      }
    };
  }

  private AlertListener alertListener(HostRecord host, AlertSource source) {
    return new AlertListener() {
      @Override
      public void onAlert(HardwareAlert alert, String cursor) {
        parts.scheduler.execute(() -> alerted(host, source, alert, cursor));
      }

      @Override
      public void onHealth(SourceHealth health) {
        parts.scheduler.execute(() -> sourceHealth(host, source, health));
      }
    };
  }

  private void sourceHealth(HostRecord host, AlertSource source, SourceHealth health) {
    HostRecord.SourceState before = host.alertSources.get(source.name());
    if (before.health().map(h -> h.status() == health.status()).orElse(false)) {
      host.alertSources.put(
          source.name(), new HostRecord.SourceState(Optional.of(health), before.since()));
      return;
    }
    host.alertSources.put(
        source.name(), new HostRecord.SourceState(Optional.of(health), parts.scheduler.now()));
    parts.activity.record(
        "alert-source",
        host.name(),
        source.name() + ": " + health.status() + " (" + health.reason() + ")",
        Map.of("source", source.name(), "status", health.status().name()));
    parts.publish();
  }

  private void alerted(HostRecord host, AlertSource source, HardwareAlert alert, String cursor) {
    if (parts.closed) {
      return;
    }
    parts.activity.record(
        "alert", host.name(), alert.severity() + " " + alert.describe(), parts.pfa.fields(alert));
    // The cursor is remembered with the host's state: what the journal holds is always a prefix,
    // so a restart resumes after the last alert whose consequences were recorded.
    host.alertCursors.put(source.name(), cursor);
    parts.events.emit(new EngineEvents.AlertReported(host, alert));
    parts.publish();
  }

  private ManagementListener managementListener() {
    return new ManagementListener() {
      @Override
      public void onLinkStatus(LinkStatus status, String reason) {
        parts.scheduler.execute(
            () -> {
              parts.publisher.backendLink(status);
              parts.commands.linkChanged(status);
            });
      }

      @Override
      public void onNotice(Notice notice) {
        parts.scheduler.execute(() -> parts.messages.addNotice(notice));
      }

      @Override
      public void onNotice(Notice notice, String key) {
        parts.scheduler.execute(() -> parts.messages.addNotice(notice, Optional.of(key)));
      }

      @Override
      public void onNoticeWithdrawn(String host, String key, String from) {
        parts.scheduler.execute(
            () -> {
              HostRecord record = parts.hosts.get(host);
              if (record != null) {
                parts.messages.withdraw(record, key, from);
              }
            });
      }

      @Override
      public void onPeerReports(List<HostReport> reports) {
        List<HostReport> copy = List.copyOf(reports);
        parts.scheduler.execute(() -> parts.peers.reported(copy));
      }

      @Override
      public void onClusterStatus() {
        parts.scheduler.execute(parts::publish);
      }

      @Override
      public void onPeersChanged(List<HostEndpoint> peers) {
        List<HostEndpoint> copy = List.copyOf(peers);
        parts.scheduler.execute(() -> parts.peers.changed(copy));
      }

      @Override
      public void onMaintenanceRequest(MaintenanceRequest request) {
        parts.scheduler.execute(
            () ->
                parts.commands.handle(
                    request.host(), request.action(), new Origin.Management(request.from())));
      }
    };
  }

  @Override
  public void close() {
    onOwner(
        () -> {
          parts.closed = true;
          parts.watchdog.stop();
          parts.peers.closeAll();
          for (AutoCloseable closeable : closeables) {
            try {
              closeable.close();
            } catch (Exception e) {
              log.log(System.Logger.Level.DEBUG, "closing a subscription failed", e);
            }
          }
        });
  }

  /**
   * Adds a listener; it gets the latest snapshot first, then every later one, all on the owner
   * thread, so it never sees two at once or one out of order.
   */
  public void addListener(ClusterListener listener) {
    onOwner(
        () -> {
          parts.activity.listeners().add(listener);
          listener.onSnapshot(parts.publisher.snapshot());
        });
  }

  public void removeListener(ClusterListener listener) {
    parts.activity.listeners().remove(listener);
  }

  /** The latest published snapshot; safe from any thread. */
  public ClusterSnapshot snapshot() {
    return parts.publisher.snapshot();
  }

  public EngineSettings settings() {
    return parts.settings;
  }

  /** Asks a host to enter, exit or cancel maintenance; completes once accepted or refused. */
  public CompletableFuture<CommandResult> request(
      String host, MaintenanceAction action, Origin origin) {
    CompletableFuture<CommandResult> result = new CompletableFuture<>();
    onOwner(
        () ->
            parts
                .commands
                .handle(host, action, origin)
                .whenComplete(
                    (answer, error) -> {
                      // Whoever reads after the answer sees what the answer did.
                      parts.flushPublish();
                      if (error != null) {
                        result.completeExceptionally(error);
                      } else {
                        result.complete(answer);
                      }
                    }));
    return result;
  }

  /** Asks with an origin label ({@code api:ops}, {@code panel:web}, ...). */
  public CompletableFuture<CommandResult> request(
      String host, MaintenanceAction action, String origin) {
    return request(host, action, Origin.parse(origin));
  }

  /** A dry-run pre-check of evacuating {@code host} now. */
  public CompletableFuture<Plan> plan(String host) {
    return call(
        () -> {
          HostRecord record = parts.hosts.get(host);
          return record == null
              ? Plan.noGo(host, "unknown host " + host)
              : parts.commands.planFor(record);
        });
  }

  /** How an accepted notice's message starts when it went to a peer's agent (no id here). */
  public static final String FORWARDED = "sent to the agent of ";

  /** The time of the engine's clock, for callers that turn a wall-clock expiry into a duration. */
  public Instant now() {
    return parts.scheduler.now();
  }

  /** Shows an informational notice on a host's panels. */
  public CompletableFuture<CommandResult> postNotice(
      String host, String text, Duration ttl, String from) {
    return postNotice(host, text, NoticeSeverity.INFO, ttl, from);
  }

  /**
   * Shows a notice on a host's panels until {@code ttl} has passed or a short press acknowledged
   * it; an accepted answer's message is the notice's id.
   */
  public CompletableFuture<CommandResult> postNotice(
      String host, String text, NoticeSeverity severity, Duration ttl, String from) {
    return showNotice(host, now -> new Notice(host, text, severity, from, now, ttl));
  }

  /** Shows a notice on a host's panels until {@code expiresAt} (exactly, whatever the delay). */
  public CompletableFuture<CommandResult> postNoticeUntil(
      String host, String text, NoticeSeverity severity, Instant expiresAt, String from) {
    return showNotice(
        host, now -> new Notice(host, text, severity, from, now, Duration.between(now, expiresAt)));
  }

  /**
   * Shows a notice under the sender's own {@code key} (an Alertmanager alert's fingerprint) until
   * {@code expiresAt}: a notice the host shows under the same key already is replaced or renewed,
   * never shown twice. An accepted answer's message is the notice's id, the same for every post
   * under one key while the notice is shown.
   */
  public CompletableFuture<CommandResult> postNoticeUntil(
      String host,
      String text,
      NoticeSeverity severity,
      Instant expiresAt,
      String from,
      Optional<String> key) {
    return showNotice(
        host,
        now -> new Notice(host, text, severity, from, now, Duration.between(now, expiresAt)),
        key);
  }

  /**
   * Shows a notice under the sender's own {@code key} for {@code ttl}; see {@link
   * #postNoticeUntil(String, String, NoticeSeverity, Instant, String, Optional)}.
   */
  public CompletableFuture<CommandResult> postNotice(
      String host,
      String text,
      NoticeSeverity severity,
      Duration ttl,
      String from,
      Optional<String> key) {
    return showNotice(host, now -> new Notice(host, text, severity, from, now, ttl), key);
  }

  /**
   * Removes the notice posted under {@code key} from a host's panels and its list (an alert
   * resolved), recorded as {@code from}'s. Accepted with the notice's id, or refused when the host
   * shows none under that key (never posted, expired or withdrawn already).
   */
  public CompletableFuture<CommandResult> withdrawNotice(String host, String key, String from) {
    return withdrawNotice(
        host,
        record -> parts.messages.withdraw(record, key, from),
        record -> "no notice under that key on " + host);
  }

  /**
   * Removes the notice with identity {@code id} (as its post answered) from a host's panels and its
   * list, recorded as {@code from}'s. Accepted with the id, or refused when the host shows no such
   * notice (never posted here, expired or withdrawn already); a peer's notices are its own agent's.
   */
  public CompletableFuture<CommandResult> withdrawNoticeById(String host, String id, String from) {
    return withdrawNotice(
        host,
        record -> parts.messages.withdrawById(record, id, from),
        record ->
            record.controlled
                ? "no notice " + id + " on " + host + " (expired, withdrawn or never shown)"
                : "host " + host + " is not controlled by this agent; ask its own agent");
  }

  private CompletableFuture<CommandResult> withdrawNotice(
      String host,
      java.util.function.Function<HostRecord, Optional<String>> withdraw,
      java.util.function.Function<HostRecord, String> missing) {
    return call(
        () -> {
          HostRecord record = parts.hosts.get(host);
          if (record == null) {
            return CommandResult.refused("unknown host " + host);
          }
          return withdraw
              .apply(record)
              .map(CommandResult::accepted)
              .orElseGet(() -> CommandResult.refused(missing.apply(record)));
        });
  }

  private CompletableFuture<CommandResult> showNotice(
      String host, java.util.function.Function<Instant, Notice> notice) {
    return showNotice(host, notice, Optional.empty());
  }

  private CompletableFuture<CommandResult> showNotice(
      String host, java.util.function.Function<Instant, Notice> notice, Optional<String> key) {
    Objects.requireNonNull(key, "key");
    CompletableFuture<CommandResult> forwarded = new CompletableFuture<>();
    CompletableFuture<CommandResult> here =
        call(
            () -> {
              HostRecord record = parts.hosts.get(host);
              if (record == null) {
                return CommandResult.refused("unknown host " + host);
              }
              if (!record.controlled && key.isEmpty() && parts.management != null) {
                // A peer's notice goes to its own agent, which shows it on its panels.
                Notice sent = notice.apply(parts.scheduler.now());
                parts.onAnswer(
                    () -> parts.management.forwardNotice(sent),
                    done -> forwarded.complete(forwardedNotice(sent, done)));
                return null;
              }
              return parts
                  .messages
                  .addNotice(notice.apply(parts.scheduler.now()), key)
                  .map(CommandResult::accepted)
                  .orElseGet(() -> CommandResult.refused("notice expired before it was shown"));
            });
    return here.thenCompose(
        result -> result == null ? forwarded : CompletableFuture.completedFuture(result));
  }

  /**
   * The answer to a notice handed to a peer's agent: its id is unknown here, so the message says
   * where it went; a backend that cannot forward keeps the old answer (shown nowhere here).
   */
  private CommandResult forwardedNotice(Notice notice, CompletableFuture<Boolean> done) {
    boolean sent;
    try {
      sent = done.join();
    } catch (RuntimeException e) {
      return CommandResult.refused(
          "could not reach the agent of " + notice.host() + ": " + ActivityLog.reason(e));
    }
    if (!sent) {
      return parts
          .messages
          .addNotice(notice, Optional.empty())
          .map(CommandResult::accepted)
          .orElseGet(() -> CommandResult.refused("notice expired before it was shown"));
    }
    parts.activity.record(
        "notice",
        notice.host(),
        notice.severity().label()
            + " notice from "
            + notice.from()
            + " sent to the agent of "
            + notice.host()
            + ": "
            + notice.text(),
        Map.of("from", notice.from(), "forwarded", true));
    return CommandResult.accepted(FORWARDED + notice.host());
  }

  private <T> CompletableFuture<T> call(Supplier<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    onOwner(
        () -> {
          try {
            T answer = work.get();
            parts.flushPublish();
            result.complete(answer);
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  private void onOwner(Runnable work) {
    if (parts.scheduler.inOwnerThread()) {
      work.run();
    } else {
      parts.scheduler.execute(work);
    }
  }
}
