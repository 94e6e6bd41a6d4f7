package io.vpanel.core.engine;

import io.vpanel.core.model.PfaStatus;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.HardwareAlert;
import java.util.Map;

/**
 * PFA protect: a predictive-failure or critical alert on a controlled host vacates it before the
 * hardware fails. Keeps each host's active alerts (asserted, not cleared; remembered in the
 * journal), asks for maintenance once per alert — a record repeated by the source, or an alert
 * already active, asks nothing again — and says how protection stands for the PFA light. Listens to
 * the engine's events; owner thread only.
 */
final class PfaPolicy {
  private final EngineParts parts;

  PfaPolicy(EngineParts parts) {
    this.parts = parts;
    parts.events.subscribe(this::on);
  }

  private void on(EngineEvents.Event event) {
    switch (event) {
      case EngineEvents.AlertReported reported -> alert(reported.host(), reported.alert());
      case EngineEvents.StateChanged changed -> {
        HostRecord host = changed.host();
        if (changed.to() == MaintenanceState.EXITING) {
          // The technician ends maintenance: what was active is dealt with.
          host.activeAlerts.clear();
          host.pfaRemediationFailed = false;
        } else if (changed.to() == MaintenanceState.FAILED && !host.activeAlerts.isEmpty()) {
          host.pfaRemediationFailed = true;
        }
      }
      case EngineEvents.RequestRefused refused -> {
        if (refused.origin() instanceof Origin.Alert && !refused.host().activeAlerts.isEmpty()) {
          refused.host().pfaRemediationFailed = true;
        }
      }
    }
  }

  private void alert(HostRecord host, HardwareAlert alert) {
    if (!alert.asserted()) {
      host.activeAlerts.remove(alert.id());
      if (host.activeAlerts.isEmpty()) {
        host.pfaRemediationFailed = false;
      }
      return;
    }
    if (!alert.severity().triggersPfa() || !parts.settings.pfaProtect() || !host.controlled) {
      return;
    }
    boolean known = host.activeAlerts.containsKey(alert.id());
    host.activeAlerts.put(alert.id(), alert);
    if (known) {
      return;
    }
    if (host.state == MaintenanceState.OPERATIONAL || host.state == MaintenanceState.FAILED) {
      host.pfaRemediationFailed = false;
      parts.commands.handle(host.name(), MaintenanceAction.ENTER, new Origin.Alert(alert.source()));
    }
  }

  /** How PFA protect stands on {@code host}, for its light. */
  PfaStatus status(HostRecord host) {
    if (host.alertSources.isEmpty() || !parts.settings.pfaProtect()) {
      return PfaStatus.DISABLED;
    }
    if (host.activeAlerts.isEmpty()) {
      return PfaStatus.ARMED;
    }
    return host.pfaRemediationFailed || host.state == MaintenanceState.FAILED
        ? PfaStatus.FAILED
        : PfaStatus.REMEDIATING;
  }

  /**
   * The active alerts as the rotating display shows them: {@code ALERT <component>}, then its cause
   * (without the component it may start with), so the technician reads what failed and why.
   */
  static java.util.List<String> lines(HostRecord host) {
    java.util.List<String> lines = new java.util.ArrayList<>();
    for (HardwareAlert alert : host.activeAlerts.values()) {
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
    return lines;
  }

  /** Active alerts restored from the journal count as active, without asking again. */
  void restore(HostRecord host, java.util.List<HardwareAlert> alerts) {
    for (HardwareAlert alert : alerts) {
      host.activeAlerts.put(alert.id(), alert);
    }
  }

  static Map<String, Object> fields(HardwareAlert alert) {
    return Map.of(
        "source", alert.source(),
        "severity", alert.severity().name(),
        "component", alert.component(),
        "id", alert.id(),
        "asserted", alert.asserted());
  }
}
