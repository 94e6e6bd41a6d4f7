package io.vpanel.core.engine;

import io.vpanel.core.model.PfaAction;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.PfaView;
import io.vpanel.core.plan.Plan;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.alert.HardwareAlert;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PFA protect: answers each hardware alert as its severity is configured ({@link PfaSettings}) —
 * ignore, notify, quarantine (no new guests placed on the host) or evacuate (enter maintenance by
 * itself, the alert as the reason).
 *
 * <p>An alert acts once it has stayed asserted for the debounce, and stops acting once its clearing
 * has held for the clear hold, so a flapping sensor neither starts anything nor toggles the
 * quarantine. A record repeated by the source, or an alert already in force, asks nothing again.
 * The automatic entry goes through the same pre-check and admission as a button press; when it is
 * refused (NO-GO) or over the rate limit it waits, the PFA light red and the reason on the panels,
 * and starts once the check passes: when another host comes back into service, and every {@code
 * retryInterval}. A cleared alert ends the quarantine; an evacuation is not undone by itself. The
 * technician ending maintenance closes what was active.
 *
 * <p>Listens to the engine's events; owner thread only.
 */
final class PfaPolicy {
  private final EngineParts parts;

  /** When each automatic entry of the window was asked for, oldest first, with its host. */
  private final Deque<Map.Entry<Instant, String>> entries = new ArrayDeque<>();

  PfaPolicy(EngineParts parts) {
    this.parts = parts;
    parts.events.subscribe(this::on);
  }

  private PfaSettings settings() {
    return parts.settings.pfa();
  }

  /** What an alert does here: with PFA protect off, an alert that is not ignored is only shown. */
  PfaAction action(HardwareAlert alert) {
    PfaAction configured = settings().action(alert.severity());
    if (!parts.settings.pfaProtect() && configured.quarantines()) {
      return PfaAction.NOTIFY;
    }
    return configured;
  }

  private void on(EngineEvents.Event event) {
    switch (event) {
      case EngineEvents.AlertReported reported -> {
        if (reported.host().controlled) {
          if (reported.alert().asserted()) {
            asserted(reported.host(), reported.alert());
          } else {
            cleared(reported.host(), reported.alert());
          }
        }
      }
      case EngineEvents.StateChanged changed -> stateChanged(changed);
      case EngineEvents.RequestRefused refused -> {
        if (refused.origin() instanceof Origin.Alert) {
          refusedEntry(refused.host(), refused.reason());
        }
      }
    }
  }

  private void asserted(HostRecord host, HardwareAlert alert) {
    PfaAction action = action(alert);
    if (action == PfaAction.IGNORE) {
      return;
    }
    String id = alert.id();
    host.activeAlerts.put(id, alert);
    if (host.pfaInForce.containsKey(id)) {
      // In force already, or back within its clear hold: the same alert still.
      host.pfaInForce.put(id, alert);
      cancelTimer(host, id);
      return;
    }
    if (host.pfaTimers.containsKey(id)) {
      return; // settling: its debounce is already running
    }
    after(
        host,
        id,
        settings().debounce(),
        () -> {
          HardwareAlert latest = host.activeAlerts.get(id);
          if (latest != null) {
            inForce(host, latest);
          }
        });
  }

  private void cleared(HostRecord host, HardwareAlert alert) {
    String id = alert.id();
    host.activeAlerts.remove(id);
    if (!host.pfaInForce.containsKey(id)) {
      if (cancelTimer(host, id)) {
        parts.activity.record(
            "alert",
            host.name(),
            alert.component()
                + " cleared within the "
                + seconds(settings().debounce())
                + " debounce: nothing done",
            Map.of("id", id, "pfa", "debounced"));
      }
      return;
    }
    if (host.pfaTimers.containsKey(id)) {
      return; // its clear hold is already running
    }
    after(host, id, settings().clearHold(), () -> outOfForce(host, id));
  }

  /**
   * Runs {@code then} after {@code delay} as alert {@code id}'s pending timer; at once for zero.
   */
  private void after(HostRecord host, String id, Duration delay, Runnable then) {
    if (delay.isZero()) {
      then.run();
      return;
    }
    host.pfaTimers.put(
        id,
        parts.scheduler.schedule(
            delay,
            () -> {
              host.pfaTimers.remove(id);
              then.run();
              parts.publish();
            }));
  }

  /** The alert passed its debounce: it acts now. */
  private void inForce(HostRecord host, HardwareAlert alert) {
    host.pfaInForce.put(alert.id(), alert);
    PfaAction action = action(alert);
    updateQuarantine(host, alert);
    if (action == PfaAction.EVACUATE) {
      automaticEntry(host, alert);
    }
  }

  /** The alert's clearing held: it stops acting (an evacuation it started is not undone). */
  private void outOfForce(HostRecord host, String id) {
    HardwareAlert alert = host.pfaInForce.remove(id);
    if (alert == null) {
      return;
    }
    updateQuarantine(host, alert);
    if (evacuating(host).isEmpty()) {
      stopWaiting(host);
    }
    if (host.pfaInForce.isEmpty()) {
      host.pfaRemediationFailed = false;
    }
  }

  private void updateQuarantine(HostRecord host, HardwareAlert cause) {
    boolean now = host.pfaInForce.values().stream().anyMatch(a -> action(a).quarantines());
    if (now == host.quarantined) {
      return;
    }
    host.quarantined = now;
    parts.activity.record(
        "alert",
        host.name(),
        now
            ? "quarantine: no new guests are placed on "
                + host.name()
                + " ("
                + cause.describe()
                + ")"
            : "quarantine of " + host.name() + " ended: " + cause.component() + " cleared",
        Map.of("id", cause.id(), "pfa", now ? "quarantine" : "quarantine-ended"));
  }

  /** The newest alert in force whose severity evacuates the host, if any. */
  private Optional<HardwareAlert> evacuating(HostRecord host) {
    HardwareAlert newest = null;
    for (HardwareAlert alert : host.pfaInForce.values()) {
      if (action(alert) == PfaAction.EVACUATE) {
        newest = alert;
      }
    }
    return Optional.ofNullable(newest);
  }

  private void automaticEntry(HostRecord host, HardwareAlert alert) {
    if (host.state != MaintenanceState.OPERATIONAL && host.state != MaintenanceState.FAILED) {
      return; // entering or in maintenance already: nothing to ask
    }
    Optional<String> limited = rateLimited();
    if (limited.isPresent()) {
      wait(host, limited.get(), nextSlot());
      return;
    }
    host.pfaWaiting = null;
    cancelRetry(host);
    host.pfaRemediationFailed = false;
    entries.addLast(Map.entry(parts.scheduler.now(), host.name()));
    parts.commands.handle(
        host.name(), MaintenanceAction.ENTER, new Origin.Alert(alert.source(), alert.describe()));
  }

  private void refusedEntry(HostRecord host, String reason) {
    // The refused entry does not count against the rate limit.
    for (var newest = entries.descendingIterator(); newest.hasNext(); ) {
      if (newest.next().getValue().equals(host.name())) {
        newest.remove();
        break;
      }
    }
    if (evacuating(host).isPresent()) {
      wait(host, reason, settings().retryInterval());
    }
  }

  /** The automatic entry waits for {@code reason} to pass; checks again after {@code delay}. */
  private void wait(HostRecord host, String reason, Duration delay) {
    if (!reason.equals(host.pfaWaiting)) {
      parts.activity.record(
          "alert",
          host.name(),
          "automatic entry into maintenance waits: " + reason + "; retrying when it may start",
          Map.of("pfa", "waiting", "reason", reason));
    }
    host.pfaWaiting = reason;
    cancelRetry(host);
    host.pfaRetry = parts.scheduler.schedule(delay, () -> retry(host));
  }

  /** Checks quietly whether a waiting entry may start now, and asks when it may. */
  private void retry(HostRecord host) {
    host.pfaRetry = null;
    Optional<HardwareAlert> alert = evacuating(host);
    if (host.pfaWaiting == null || alert.isEmpty() || parts.closed) {
      return;
    }
    if (host.state != MaintenanceState.OPERATIONAL && host.state != MaintenanceState.FAILED) {
      stopWaiting(host);
      parts.publish();
      return;
    }
    Optional<String> limited = rateLimited();
    if (limited.isPresent()) {
      wait(host, limited.get(), nextSlot());
      parts.publish();
      return;
    }
    Optional<String> refusal = parts.commands.cannotEnter(host);
    Plan plan = parts.commands.planFor(host);
    if (refusal.isPresent() || !plan.go()) {
      String reason = refusal.orElse(plan.summary());
      wait(host, reason, settings().retryInterval());
      parts.publish();
      return;
    }
    automaticEntry(host, alert.get());
    parts.publish();
  }

  private void stopWaiting(HostRecord host) {
    host.pfaWaiting = null;
    cancelRetry(host);
  }

  private static void cancelRetry(HostRecord host) {
    if (host.pfaRetry != null) {
      host.pfaRetry.cancel();
      host.pfaRetry = null;
    }
  }

  private Optional<String> rateLimited() {
    Instant now = parts.scheduler.now();
    Instant from = now.minus(settings().entryWindow());
    while (!entries.isEmpty() && !entries.peekFirst().getKey().isAfter(from)) {
      entries.removeFirst();
    }
    if (entries.size() < settings().maxAutomaticEntries()) {
      return Optional.empty();
    }
    return Optional.of(
        "rate limit: "
            + entries.size()
            + (entries.size() == 1 ? " automatic entry" : " automatic entries")
            + " in the last "
            + minutes(settings().entryWindow())
            + " ("
            + String.join(", ", entries.stream().map(Map.Entry::getValue).distinct().toList())
            + ")");
  }

  /** How long until the oldest entry of the window leaves it. */
  private Duration nextSlot() {
    Instant leaves = entries.peekFirst().getKey().plus(settings().entryWindow());
    Duration wait = Duration.between(parts.scheduler.now(), leaves);
    return wait.isNegative() || wait.isZero() ? Duration.ofMillis(1) : wait;
  }

  private void stateChanged(EngineEvents.StateChanged changed) {
    HostRecord host = changed.host();
    switch (changed.to()) {
      case ENTERING -> {
        // Entering by whatever request: nothing waits any more.
        stopWaiting(host);
        host.pfaRemediationFailed = false;
      }
      case EXITING -> {
        // The technician ends maintenance: what was active is dealt with.
        host.activeAlerts.clear();
        host.pfaInForce.clear();
        host.pfaTimers.values().forEach(Scheduler.Cancellable::cancel);
        host.pfaTimers.clear();
        host.quarantined = false;
        host.pfaRemediationFailed = false;
        stopWaiting(host);
      }
      case FAILED -> {
        if (!host.pfaInForce.isEmpty()) {
          host.pfaRemediationFailed = true;
        }
      }
      case OPERATIONAL -> {
        if (changed.from() == MaintenanceState.ENTERING
            && evacuating(host).isPresent()
            && !(changed.origin() instanceof Origin.Alert)) {
          // Someone cancelled the automatic evacuation: not started again behind their back.
          host.pfaRemediationFailed = true;
        }
        // A host back in service frees room: waiting entries check at once.
        for (HostRecord other : parts.hosts.all()) {
          if (other != host && other.pfaWaiting != null) {
            cancelRetry(other);
            other.pfaRetry = parts.scheduler.schedule(Duration.ZERO, () -> retry(other));
          }
        }
      }
      default -> {}
    }
  }

  /** How PFA protect stands on {@code host}, for its light. */
  PfaStatus status(HostRecord host) {
    if (!parts.settings.pfaProtect()) {
      return PfaStatus.DISABLED;
    }
    if (host.alertSources.isEmpty()) {
      // The management side's own protection (vCenter's Proactive HA) arms the light.
      boolean managed =
          parts.management != null
              && parts.management.pfaProtected(host.name()).orElse(false)
              && host.controlled;
      return managed ? PfaStatus.ARMED : PfaStatus.DISABLED;
    }
    boolean acting =
        host.pfaInForce.values().stream().anyMatch(a -> action(a).quarantines())
            || host.activeAlerts.values().stream().anyMatch(a -> action(a).quarantines());
    if (!acting) {
      return PfaStatus.ARMED;
    }
    return host.pfaRemediationFailed
            || host.pfaWaiting != null
            || host.state == MaintenanceState.FAILED
        ? PfaStatus.FAILED
        : PfaStatus.REMEDIATING;
  }

  /** The API's view of PFA protect on {@code host}. */
  PfaView view(HostRecord host) {
    Map<String, PfaView.ActiveAlert> alerts = new LinkedHashMap<>();
    host.pfaInForce.forEach(
        (id, alert) ->
            alerts.put(
                id,
                new PfaView.ActiveAlert(
                    alert,
                    action(alert),
                    host.activeAlerts.containsKey(id) || !host.pfaTimers.containsKey(id))));
    host.activeAlerts.forEach(
        (id, alert) ->
            alerts.putIfAbsent(id, new PfaView.ActiveAlert(alert, action(alert), false)));
    return new PfaView(
        status(host),
        host.quarantined,
        Optional.ofNullable(host.pfaWaiting),
        new ArrayList<>(alerts.values()));
  }

  /**
   * The active alerts, newest first, as the rotating display shows them: {@code ALERT <component>},
   * then its cause (without the component it may start with), so the technician reads what failed
   * and why; then why an automatic entry waits.
   */
  static List<String> lines(HostRecord host) {
    List<String> lines = new ArrayList<>();
    List<HardwareAlert> newestFirst = new ArrayList<>(host.activeAlerts.values());
    java.util.Collections.reverse(newestFirst);
    for (HardwareAlert alert : newestFirst) {
      lines.add("ALERT " + alert.component());
      String cause = alert.cause().strip();
      String prefix = alert.component() + ":";
      if (cause.regionMatches(true, 0, prefix, 0, prefix.length())) {
        cause = cause.substring(prefix.length()).strip();
      }
      if (!cause.isEmpty() && !cause.equalsIgnoreCase(alert.component())) {
        lines.add(cause);
      }
    }
    if (host.pfaWaiting != null) {
      lines.add("PFA WAITS: " + host.pfaWaiting);
    }
    return lines;
  }

  /**
   * Active alerts restored from the journal are in force at once, without asking again: an entry
   * that was waiting is not started behind the operator's back after a restart, and the PFA light
   * says so.
   */
  void restore(HostRecord host, List<HardwareAlert> alerts) {
    for (HardwareAlert alert : alerts) {
      if (action(alert) != PfaAction.IGNORE) {
        host.activeAlerts.put(alert.id(), alert);
        host.pfaInForce.put(alert.id(), alert);
      }
    }
    host.quarantined = host.pfaInForce.values().stream().anyMatch(a -> action(a).quarantines());
    if (evacuating(host).isPresent()
        && (host.state == MaintenanceState.OPERATIONAL || host.state == MaintenanceState.FAILED)) {
      host.pfaRemediationFailed = true;
    }
  }

  Map<String, Object> fields(HardwareAlert alert) {
    return Map.of(
        "source", alert.source(),
        "severity", alert.severity().name(),
        "component", alert.component(),
        "id", alert.id(),
        "asserted", alert.asserted(),
        "action", action(alert).label());
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String minutes(Duration d) {
    return d.toMinutes() > 0 && d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : seconds(d);
  }

  /** Cancels alert {@code id}'s pending debounce or clear hold; true when one was pending. */
  private static boolean cancelTimer(HostRecord host, String id) {
    Scheduler.Cancellable timer = host.pfaTimers.remove(id);
    if (timer == null) {
      return false;
    }
    timer.cancel();
    return true;
  }
}
