package io.vpanel.web;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.HaStatus;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.MigrationFailureCause;
import io.vpanel.core.model.ProgressView;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.SourceHealth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Prometheus metrics fed from snapshots and activity. */
public final class Metrics implements ClusterListener {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Gauge runningVms;
  private final Gauge maintenanceState;
  private final Gauge hypervisorConnected;
  private final Counter migrations;
  private final Counter migrationBytes;
  private final Histogram migrationSeconds;
  private final Counter requests;
  private final Gauge panelUp;
  private final Gauge alertSourceUp;
  private final Counter alertmanagerAlerts;
  private final Gauge maintenanceSince;
  private final Gauge haStatus;
  private final Gauge evacuationVmsLeft;
  private final Gauge evacuationBytesLeft;
  private final Gauge evacuationEta;
  private final Gauge evacuationRunning;
  private final Gauge evacuationFailedVms;
  private final Counter migrationsStarted;
  private final Counter migrationFailures;
  private volatile java.util.List<String> controlled = java.util.List.of();
  private volatile java.util.function.Supplier<java.util.Optional<String>> journalUnavailable;

  Metrics(SseHub sse, StreamLimits streams) {
    runningVms =
        Gauge.builder()
            .name("vpanel_host_running_vms")
            .help("Guests the hypervisor reports running on the host")
            .labelNames("host")
            .register(registry);
    maintenanceState =
        Gauge.builder()
            .name("vpanel_host_maintenance_state")
            .help("1 for the host's current maintenance state, 0 for the others")
            .labelNames("host", "state")
            .register(registry);
    hypervisorConnected =
        Gauge.builder()
            .name("vpanel_hypervisor_connected")
            .help("1 while the host's hypervisor connection is up")
            .labelNames("host")
            .register(registry);
    migrations =
        Counter.builder()
            .name("vpanel_migrations_total")
            .help("Live migrations finished, by outcome")
            .labelNames("host", "outcome")
            .register(registry);
    migrationBytes =
        Counter.builder()
            .name("vpanel_migration_bytes_total")
            .help("Bytes sent by finished live migrations, re-sent pages included")
            .labelNames("host")
            .register(registry);
    migrationSeconds =
        Histogram.builder()
            .name("vpanel_migration_duration_seconds")
            .help("How long live migrations took")
            .labelNames("host", "outcome")
            .classicUpperBounds(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
            .register(registry);
    requests =
        Counter.builder()
            .name("vpanel_maintenance_requests_total")
            .help("Maintenance requests, by action and whether they were accepted")
            .labelNames("host", "action", "accepted")
            .register(registry);
    panelUp =
        Gauge.builder()
            .name("vpanel_panel_up")
            .help(
                "1 while the panel shows what it was last given, 0 while its render fails or hangs")
            .labelNames("host", "panel")
            .register(registry);
    alertSourceUp =
        Gauge.builder()
            .name("vpanel_alert_source_up")
            .help("1 while the alert source reads its hardware (OK or DEGRADED), 0 otherwise")
            .labelNames("host", "source")
            .register(registry);
    alertmanagerAlerts =
        Counter.builder()
            .name("vpanel_alertmanager_alerts_total")
            .help(
                "Alerts received from Alertmanager, by what became of them: shown (a notice shown or"
                    + " renewed), withdrawn (its notice removed), skipped (no known host named)")
            .labelNames("outcome")
            .register(registry);
    for (String outcome : new String[] {"shown", "withdrawn", "skipped"}) {
      alertmanagerAlerts.labelValues(outcome);
    }
    maintenanceSince =
        Gauge.builder()
            .name("vpanel_host_maintenance_state_since_timestamp_seconds")
            .help("When the host entered its current maintenance state, Unix time in seconds")
            .labelNames("host")
            .register(registry);
    haStatus =
        Gauge.builder()
            .name("vpanel_host_ha_status")
            .help(
                "1 for the host's current HA status (OFF, PROTECTED, INSUFFICIENT, FAULT), 0 for"
                    + " the others")
            .labelNames("host", "status")
            .register(registry);
    evacuationVmsLeft =
        Gauge.builder()
            .name("vpanel_evacuation_vms_left")
            .help("Guests the host's evacuation (or return) in flight has not handled yet")
            .labelNames("host")
            .register(registry);
    evacuationBytesLeft =
        Gauge.builder()
            .name("vpanel_evacuation_bytes_left")
            .help("Bytes the host's evacuation (or return) in flight still has to send")
            .labelNames("host")
            .register(registry);
    evacuationEta =
        Gauge.builder()
            .name("vpanel_evacuation_eta_seconds")
            .help(
                "Estimated seconds until the host's evacuation (or return) ends, at the current"
                    + " bandwidth; absent while nothing moves")
            .labelNames("host")
            .register(registry);
    evacuationRunning =
        Gauge.builder()
            .name("vpanel_evacuation_migrations_running")
            .help("Live migrations of the host's evacuation (or return) in flight now")
            .labelNames("host")
            .register(registry);
    evacuationFailedVms =
        Gauge.builder()
            .name("vpanel_evacuation_vms_failed")
            .help("Guests the host's evacuation (or return) in flight could not handle")
            .labelNames("host")
            .register(registry);
    migrationsStarted =
        Counter.builder()
            .name("vpanel_migrations_started_total")
            .help("Live migrations started (each attempt on a destination counts)")
            .labelNames("host")
            .register(registry);
    migrationFailures =
        Counter.builder()
            .name("vpanel_migration_failures_total")
            .help(
                "Live migrations failed, by cause: hypervisor, start_failed, cancelled, timeout,"
                    + " no_progress, destination_maintenance, no_room, coordinator")
            .labelNames("host", "cause")
            .register(registry);
    GaugeWithCallback.builder()
        .name("vpanel_journal_up")
        .help(
            "1 while the journal of the agent running the host records, 0 while it cannot (new"
                + " maintenance is refused); absent without a journal")
        .labelNames("host")
        .callback(
            cb -> {
              var unavailable = journalUnavailable;
              if (unavailable != null) {
                double up = unavailable.get().isEmpty() ? 1 : 0;
                for (String host : controlled) {
                  cb.call(up, host);
                }
              }
            })
        .register(registry);
    Gauge buildInfo =
        Gauge.builder()
            .name("vpanel_build_info")
            .help("Always 1; the agent's version and the Java runtime in labels")
            .labelNames("version", "java_version")
            .register(registry);
    buildInfo.labelValues(version(), System.getProperty("java.version", "unknown")).set(1);
    GaugeWithCallback.builder()
        .name("vpanel_sse_clients")
        .help("Connected server-sent-event clients")
        .callback(cb -> cb.call(sse.clients()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("vpanel_event_streams")
        .help("Event streams open now, as admitted against the stream limits")
        .callback(cb -> cb.call(streams.open()))
        .register(registry);
    io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
        .name("vpanel_event_streams_refused_total")
        .help("Event streams refused (503) because too many were open, in all or from one address")
        .callback(cb -> cb.call(streams.refused()))
        .register(registry);
    io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
        .name("vpanel_sse_dropped_events_total")
        .help("Activity events dropped because a client read too slowly")
        .callback(cb -> cb.call(sse.droppedEvents()))
        .register(registry);
  }

  /** The agent's version: the jar's Implementation-Version, else the project's. */
  static String version() {
    String version = Metrics.class.getPackage().getImplementationVersion();
    return version != null ? version : VERSION;
  }

  /** The project version when no jar manifest says otherwise. */
  static final String VERSION = "0.1.0";

  /** Reports {@code vpanel_journal_up} from {@code unavailable} (why it cannot record, if so). */
  void journal(java.util.function.Supplier<java.util.Optional<String>> unavailable) {
    this.journalUnavailable = unavailable;
  }

  @Override
  public void onSnapshot(ClusterSnapshot snapshot) {
    controlled =
        snapshot.hosts().stream().filter(HostStatus::controlled).map(HostStatus::name).toList();
    for (HostStatus host : snapshot.hosts()) {
      maintenanceSince
          .labelValues(host.name())
          .set(host.maintenance().since().toEpochMilli() / 1000.0);
      for (HaStatus status : HaStatus.values()) {
        haStatus.labelValues(host.name(), status.name()).set(host.ha() == status ? 1 : 0);
      }
      ProgressView progress = host.maintenance().progress().orElse(null);
      evacuationVmsLeft.labelValues(host.name()).set(progress == null ? 0 : progress.vmsLeft());
      evacuationBytesLeft.labelValues(host.name()).set(progress == null ? 0 : progress.bytesLeft());
      evacuationRunning.labelValues(host.name()).set(progress == null ? 0 : progress.running());
      evacuationFailedVms.labelValues(host.name()).set(progress == null ? 0 : progress.failed());
      if (progress != null && progress.etaSeconds().isPresent()) {
        evacuationEta.labelValues(host.name()).set(progress.etaSeconds().get());
      } else {
        evacuationEta.remove(host.name());
      }
      runningVms.labelValues(host.name()).set(host.runningVms());
      hypervisorConnected.labelValues(host.name()).set(host.hypervisorConnected() ? 1 : 0);
      for (MaintenanceState state : MaintenanceState.values()) {
        maintenanceState
            .labelValues(host.name(), state.name())
            .set(host.maintenance().state() == state ? 1 : 0);
      }
      host.panels()
          .forEach(p -> panelUp.labelValues(host.name(), p.name()).set(p.healthy() ? 1 : 0));
      host.alertSources()
          .forEach(
              a ->
                  alertSourceUp
                      .labelValues(host.name(), a.name())
                      .set(
                          a.health()
                                  .map(h -> h.status() != SourceHealth.Status.UNREACHABLE)
                                  .orElse(false)
                              ? 1
                              : 0));
    }
  }

  @Override
  public void onActivity(Activity activity) {
    switch (activity.kind()) {
      case "migration" -> {
        Object event = activity.fields().get("event");
        if ("started".equals(event)) {
          migrationsStarted.labelValues(activity.host()).inc();
        }
        if ("completed".equals(event) || "failed".equals(event)) {
          String outcome = "completed".equals(event) ? "success" : "failure";
          migrations.labelValues(activity.host(), outcome).inc();
          if ("failed".equals(event)) {
            // A bounded label: the cause the engine gave, never the free-text reason.
            String cause =
                MigrationFailureCause.parse(activity.fields().get("cause"))
                    .orElse(MigrationFailureCause.HYPERVISOR)
                    .label();
            migrationFailures.labelValues(activity.host(), cause).inc();
          }
          if (activity.fields().get("bytesSent") instanceof Number bytes) {
            migrationBytes.labelValues(activity.host()).inc(bytes.doubleValue());
          }
          if (activity.fields().get("seconds") instanceof Number seconds) {
            migrationSeconds.labelValues(activity.host(), outcome).observe(seconds.doubleValue());
          }
        }
      }
      case "request" ->
          requests
              .labelValues(
                  activity.host(),
                  String.valueOf(activity.fields().get("action")),
                  String.valueOf(activity.fields().get("accepted")))
              .inc();
      default -> {}
    }
  }

  /** Counts an alert the Alertmanager receiver {@code outcome}: shown, withdrawn or skipped. */
  void alertmanagerAlert(String outcome) {
    alertmanagerAlerts.labelValues(outcome).inc();
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
