package io.vpanel.web;

import io.vpanel.core.model.Activity;
import io.vpanel.core.model.AlertSourceView;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.MaintenanceView;
import io.vpanel.core.model.MigrationView;
import io.vpanel.core.model.NoticeView;
import io.vpanel.core.model.PanelHealth;
import io.vpanel.core.model.PfaView;
import io.vpanel.core.model.ProgressView;
import io.vpanel.core.model.VmView;
import io.vpanel.core.plan.Move;
import io.vpanel.core.plan.Plan;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.PanelState;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON shapes of the API, written field by field so the contract is visible in one place. */
public final class JsonViews {
  private final JsonMapper mapper;

  public JsonViews(JsonMapper mapper) {
    this.mapper = mapper;
  }

  public JsonMapper mapper() {
    return mapper;
  }

  private ObjectNode pfa(PfaView pfa) {
    ObjectNode node = mapper.createObjectNode();
    node.put("status", pfa.status().name());
    node.put("quarantined", pfa.quarantined());
    pfa.waiting().ifPresentOrElse(w -> node.put("waiting", w), () -> node.putNull("waiting"));
    ArrayNode alerts = node.putArray("alerts");
    for (PfaView.ActiveAlert active : pfa.alerts()) {
      HardwareAlert a = active.alert();
      ObjectNode alert = alerts.addObject();
      alert.put("id", a.id());
      alert.put("source", a.source());
      alert.put("severity", a.severity().name());
      alert.put("component", a.component());
      alert.put("cause", a.cause());
      alert.put("at", a.at().toString());
      alert.put("action", active.action().label());
      alert.put("inForce", active.inForce());
    }
    return node;
  }

  private ObjectNode notice(NoticeView n) {
    ObjectNode node = mapper.createObjectNode();
    node.put("id", n.id());
    node.put("text", n.text());
    node.put("severity", n.severity().label());
    node.put("from", n.from());
    node.put("at", n.at().toString());
    node.put("expiresAt", n.expiresAt().toString());
    n.acknowledgement()
        .ifPresentOrElse(
            ack -> {
              ObjectNode by = node.putObject("acknowledged");
              by.put("panel", ack.panel());
              by.put("at", ack.at().toString());
            },
            () -> node.putNull("acknowledged"));
    return node;
  }

  public ObjectNode host(HostStatus h, boolean withVms) {
    ObjectNode node = mapper.createObjectNode();
    node.put("name", h.name());
    node.put("controlled", h.controlled());
    node.put("runningVms", h.runningVms());
    node.put("totalVms", h.vms().size());
    ObjectNode maintenance = maintenance(h.maintenance());
    h.queued()
        .ifPresentOrElse(q -> maintenance.put("queued", q), () -> maintenance.putNull("queued"));
    node.set("maintenance", maintenance);
    node.put("managementLink", h.managementLink().name());
    node.put("pfaProtect", h.pfaProtect().name());
    node.put("drs", h.drs().name());
    node.put("ha", h.ha().name());
    node.put("hypervisorConnected", h.hypervisorConnected());
    ObjectNode capacity = node.putObject("capacity");
    h.capacity()
        .ifPresent(
            c -> {
              capacity.put("memoryBytes", c.memoryBytes());
              capacity.put("vcpus", c.vcpus());
              capacity.put("nicBytesPerSec", c.nicBytesPerSec());
              capacity.put("streamBytesPerSec", c.streamBytesPerSec());
            });
    capacity.put("usedMemoryBytes", h.usedMemoryBytes());
    capacity.put("usedVcpus", h.usedVcpus());
    node.set("pfa", pfa(h.pfa()));
    ArrayNode notices = node.putArray("notices");
    h.notices().forEach(n -> notices.add(notice(n)));
    h.panel().ifPresentOrElse(p -> node.set("panel", panel(p)), () -> node.putNull("panel"));
    ArrayNode panels = node.putArray("panels");
    h.panels().forEach(p -> panels.add(panelHealth(p)));
    ArrayNode sources = node.putArray("alertSources");
    h.alertSources().forEach(a -> sources.add(alertSource(a)));
    if (withVms) {
      ArrayNode vms = node.putArray("vms");
      h.vms().forEach(vm -> vms.add(vm(vm)));
    }
    return node;
  }

  ObjectNode maintenance(MaintenanceView m) {
    ObjectNode node = mapper.createObjectNode();
    node.put("state", m.state().name());
    node.put("since", m.since().toString());
    node.put("reason", m.reason().orElse(null));
    node.put("safeToService", m.safeToService());
    node.put("plan", m.plan().orElse(null));
    m.progress()
        .ifPresentOrElse(p -> node.set("progress", progress(p)), () -> node.putNull("progress"));
    return node;
  }

  ObjectNode progress(ProgressView p) {
    ObjectNode node = mapper.createObjectNode();
    node.put("vmsTotal", p.vmsTotal());
    node.put("vmsLeft", p.vmsLeft());
    node.put("bytesTotal", p.bytesTotal());
    node.put("bytesLeft", p.bytesLeft());
    p.etaSeconds()
        .ifPresentOrElse(
            eta -> node.put("etaSeconds", Math.round(eta * 10) / 10.0),
            () -> node.putNull("etaSeconds"));
    node.put("holdingUp", p.holdingUp().orElse(null));
    node.put("running", p.running());
    node.put("concurrency", p.concurrency());
    node.put("failed", p.failed());
    node.put("holdingUpFeatures", p.holdingUpFeatures().orElse(null));
    return node;
  }

  ObjectNode panelHealth(PanelHealth p) {
    ObjectNode node = mapper.createObjectNode();
    node.put("name", p.name());
    node.put("display", p.display().toString());
    node.put("healthy", p.healthy());
    node.put("problem", p.problem().orElse(null));
    node.put("since", p.since().toString());
    node.put("shownVersion", p.shownVersion());
    return node;
  }

  ObjectNode alertSource(AlertSourceView a) {
    ObjectNode node = mapper.createObjectNode();
    node.put("name", a.name());
    node.put("status", a.health().map(h -> h.status().name()).orElse(null));
    node.put("reason", a.health().map(h -> h.reason()).orElse(null));
    node.put("since", a.since().toString());
    node.put("activeAlerts", a.activeAlerts());
    return node;
  }

  /** A host's web panel: its geometry and the state its driver was last given. */
  public ObjectNode webPanel(WebPanelView view) {
    ObjectNode node = mapper.createObjectNode();
    node.put("host", view.host());
    node.put("display", view.display().toString());
    node.put("rows", view.display().rows());
    node.put("columns", view.display().columns());
    node.set("state", view.state().map(this::panel).orElse(null));
    return node;
  }

  ObjectNode panel(PanelState p) {
    ObjectNode node = mapper.createObjectNode();
    node.put("version", p.version());
    node.put("maintenanceState", p.maintenanceState().name());
    node.put("runningVms", p.runningVms());
    node.put("safeToService", p.safeToService());
    ObjectNode lights = node.putObject("lights");
    lights.set("maintenance", light(p.maintenance()));
    lights.set("managementLink", light(p.managementLink()));
    lights.set("pfaProtect", light(p.pfaProtect()));
    lights.set("drs", light(p.drs()));
    lights.set("ha", light(p.ha()));
    node.put("identify", p.identify());
    ArrayNode lines = node.putArray("lines");
    p.lines().forEach(lines::add);
    node.set("hold", p.hold().map(this::hold).orElse(null));
    node.set("confirm", p.confirm().map(this::confirm).orElse(null));
    return node;
  }

  private ObjectNode hold(HoldFeedback hold) {
    ObjectNode node = mapper.createObjectNode();
    node.put("action", hold.action());
    node.put("startedAt", hold.startedAt().toString());
    node.put("confirmMillis", hold.confirmAfter().toMillis());
    return node;
  }

  private ObjectNode confirm(ConfirmFeedback confirm) {
    ObjectNode node = mapper.createObjectNode();
    node.put("action", confirm.action());
    node.put("until", confirm.until().toString());
    return node;
  }

  ObjectNode light(Light light) {
    ObjectNode node = mapper.createObjectNode();
    node.put("color", light.color().name());
    node.put("flashing", light.flashing());
    return node;
  }

  ObjectNode vm(VmView view) {
    VmInfo vm = view.vm();
    ObjectNode node = vmInfo(vm);
    view.migration()
        .ifPresentOrElse(m -> node.set("migration", migration(m)), () -> node.putNull("migration"));
    return node;
  }

  ObjectNode vmInfo(VmInfo vm) {
    ObjectNode node = mapper.createObjectNode();
    node.put("name", vm.name());
    node.put("uuid", vm.uuid());
    node.put("state", vm.state().name());
    node.put("memoryBytes", vm.memoryBytes());
    node.put("vcpus", vm.vcpus());
    node.put("dirtyRateBytesPerSec", vm.dirtyRateBytesPerSec());
    node.put("policy", vm.policy().label());
    node.put("postCopyAllowed", vm.postCopyAllowed());
    return node;
  }

  ObjectNode migration(MigrationView m) {
    ObjectNode node = mapper.createObjectNode();
    node.put("destination", m.destination());
    node.put("processedBytes", m.processedBytes());
    node.put("remainingBytes", m.remainingBytes());
    node.put("round", m.round());
    node.put("bandwidthBytesPerSec", m.bandwidthBytesPerSec());
    node.put("attempt", m.attempt());
    node.put("features", m.features());
    node.put("postCopy", m.postCopy());
    return node;
  }

  public ObjectNode plan(Plan plan) {
    ObjectNode node = mapper.createObjectNode();
    node.put("host", plan.source());
    node.put("go", plan.go());
    node.put("summary", plan.summary());
    node.put("concurrency", plan.concurrency());
    node.put("bytesToMove", plan.bytesToMove());
    node.put("predictedSeconds", Math.round(plan.predictedSeconds() * 10) / 10.0);
    plan.link()
        .ifPresentOrElse(
            link -> {
              ObjectNode l = node.putObject("link");
              l.put("learned", link.learned());
              l.put("nicBytesPerSec", link.nicBytesPerSec());
              l.put("streamBytesPerSec", link.streamBytesPerSec());
              l.put("setupSeconds", Math.round(link.setupSeconds() * 100) / 100.0);
              l.put("firstPassRatio", Math.round(link.firstPassRatio() * 1000) / 1000.0);
              l.put("zstdWireRatio", Math.round(link.zstdWireRatio() * 1000) / 1000.0);
              l.put("throttledShare", Math.round(link.throttledShare() * 100) / 100.0);
              ObjectNode byInFlight = l.putObject("throttledShareByInFlight");
              new java.util.TreeMap<>(link.throttledShareByInFlight())
                  .forEach((n, v) -> byInFlight.put(n.toString(), Math.round(v * 100) / 100.0));
              l.put("xbzrleResendRatio", Math.round(link.xbzrleResendRatio() * 1000) / 1000.0);
            },
            () -> node.putNull("link"));
    ArrayNode moves = node.putArray("moves");
    for (Move move : plan.moves()) {
      ObjectNode m = moves.addObject();
      m.put("vm", move.vm().name());
      m.put("uuid", move.vm().uuid());
      m.put("memoryBytes", move.vm().memoryBytes());
      m.put("vcpus", move.vm().vcpus());
      m.put("destination", move.destination());
      m.put("features", move.options().featureLabel());
      m.put("parallelConnections", move.options().parallelConnections());
      m.put("compression", move.options().compression().name().toLowerCase(Locale.ROOT));
      m.put("postCopy", move.options().postCopy());
      m.put("autoConverge", move.options().autoConverge());
      plan.link()
          .filter(link -> link.throttledShareByGuest().containsKey(move.vm().uuid()))
          .ifPresent(
              link -> {
                double share =
                    link.throttledShare(move.vm().uuid(), Math.max(1, plan.concurrency()));
                m.put("throttledShare", Math.round(share * 100) / 100.0);
              });
    }
    ArrayNode shutdowns = node.putArray("shutdowns");
    plan.shutdowns().forEach(vm -> shutdowns.add(vm.name()));
    ArrayNode suspends = node.putArray("suspends");
    plan.suspends().forEach(vm -> suspends.add(vm.name()));
    return node;
  }

  public ObjectNode activity(Activity activity) {
    ObjectNode node = mapper.createObjectNode();
    node.put("kind", activity.kind());
    node.put("host", activity.host());
    node.put("at", activity.at().toString());
    node.put("message", activity.message());
    ObjectNode fields = node.putObject("fields");
    for (Map.Entry<String, Object> field : activity.fields().entrySet()) {
      fields.set(field.getKey(), mapper.valueToTree(field.getValue()));
    }
    return node;
  }

  public ObjectNode error(String message) {
    ObjectNode node = mapper.createObjectNode();
    node.put("error", message);
    return node;
  }

  public String write(Object node) {
    return mapper.writeValueAsString(node);
  }
}
