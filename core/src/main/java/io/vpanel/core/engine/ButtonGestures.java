package io.vpanel.core.engine;

import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelDriver;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what a technician does with a panel's maintenance button into a request, so that a single
 * bump never starts anything. Where the panel reports releases, the button must be held for {@code
 * confirmHold}; where it reports presses only, a first press offers the action on the display and a
 * second press within {@code confirmWindow} confirms it ({@link PanelButton#BACK} withdraws the
 * offer). The host is the one the panel is bound to.
 *
 * <p>A short press acknowledges the newest notice nobody acknowledged yet: a press released before
 * {@code confirmHold}, or on a press-only panel the press that would otherwise make an offer (and
 * {@link PanelButton#BACK} when nothing is offered). A technician who wants maintenance presses on
 * once the notices are read. Owner thread only.
 */
final class ButtonGestures {
  private final EngineParts parts;

  ButtonGestures(EngineParts parts) {
    this.parts = parts;
  }

  void on(HostRecord host, PanelDriver panel, ButtonEvent event) {
    if (!host.controlled || parts.closed) {
      return;
    }
    String name = panel.name();
    switch (event) {
      case ButtonEvent.Pressed pressed -> {
        if (pressed.button() == PanelButton.MAINTENANCE) {
          pressed(host, name);
        }
      }
      case ButtonEvent.Released released -> {
        if (released.button() == PanelButton.MAINTENANCE) {
          released(host, name);
        }
      }
      case ButtonEvent.Key key -> key(host, name, key.button());
    }
    parts.publish();
  }

  /** What the button does on {@code host} now: a queued request is withdrawn by it. */
  private static Optional<MaintenanceAction> actionOn(HostRecord host) {
    if (host.queued != null && host.state == MaintenanceState.OPERATIONAL) {
      return Optional.of(MaintenanceAction.CANCEL);
    }
    return actionIn(host.state);
  }

  private static Optional<MaintenanceAction> actionIn(MaintenanceState state) {
    return switch (state) {
      case OPERATIONAL -> Optional.of(MaintenanceAction.ENTER);
      case ENTERING -> Optional.of(MaintenanceAction.CANCEL);
      case IN_MAINTENANCE, FAILED -> Optional.of(MaintenanceAction.EXIT);
      case EXITING -> Optional.empty();
    };
  }

  private Optional<MaintenanceAction> actionOrBusy(HostRecord host) {
    Optional<MaintenanceAction> action = actionOn(host);
    if (action.isEmpty()) {
      parts.messages.show(host, "BUSY: " + host.state.name().replace('_', ' '));
    }
    return action;
  }

  private void pressed(HostRecord host, String panel) {
    if (host.hold != null) {
      return;
    }
    if (actionOn(host).isEmpty() && parts.messages.acknowledge(host, panel)) {
      return;
    }
    Optional<MaintenanceAction> action = actionOrBusy(host);
    if (action.isEmpty()) {
      return;
    }
    Scheduler.Cancellable confirm =
        parts.scheduler.schedule(parts.settings.confirmHold(), () -> holdCompleted(host));
    host.hold = new HostRecord.Hold(panel, action.get().label(), parts.scheduler.now(), confirm);
    parts.activity.record(
        "button",
        host.name(),
        "button held on " + panel + " panel (" + action.get().label() + ")",
        Map.of("panel", panel, "pressed", true));
  }

  private void released(HostRecord host, String panel) {
    if (host.hold == null || !host.hold.panel().equals(panel)) {
      return;
    }
    host.hold.confirm().cancel();
    Duration held = Duration.between(host.hold.startedAt(), parts.scheduler.now());
    host.hold = null;
    if (parts.messages.acknowledge(host, panel)) {
      return;
    }
    parts.activity.record(
        "button",
        host.name(),
        "button released after " + held.toMillis() + " ms: too short, nothing done",
        Map.of("panel", panel, "pressed", false, "heldMillis", held.toMillis()));
  }

  private void holdCompleted(HostRecord host) {
    HostRecord.Hold hold = host.hold;
    if (hold == null) {
      return;
    }
    host.hold = null;
    request(host, hold.action(), hold.panel());
  }

  private void key(HostRecord host, String panel, PanelButton button) {
    HostRecord.Offer offer = host.offer;
    if (button == PanelButton.BACK) {
      if (offer != null) {
        withdraw(host, "withdrawn on " + panel + " panel");
      } else {
        parts.messages.acknowledge(host, panel);
      }
      return;
    }
    if (offer != null && offer.panel().equals(panel)) {
      host.offer = null;
      offer.lapse().cancel();
      parts.activity.record(
          "button",
          host.name(),
          "second press on " + panel + " panel confirms " + offer.action(),
          Map.of("panel", panel, "pressed", true, "confirmed", true));
      // The state may have moved on since the offer: the request answers for itself.
      request(host, offer.action(), panel);
      return;
    }
    if (offer == null && parts.messages.acknowledge(host, panel)) {
      return;
    }
    Optional<MaintenanceAction> action = actionOrBusy(host);
    if (action.isEmpty()) {
      return;
    }
    Instant until = parts.scheduler.now().plus(parts.settings.confirmWindow());
    Scheduler.Cancellable lapse =
        parts.scheduler.schedule(
            parts.settings.confirmWindow(),
            () -> {
              if (host.offer != null && host.offer.until().equals(until)) {
                withdraw(
                    host,
                    "not confirmed within " + parts.settings.confirmWindow().toSeconds() + " s");
                parts.publish();
              }
            });
    host.offer = new HostRecord.Offer(panel, action.get().label(), until, lapse);
    parts.activity.record(
        "button",
        host.name(),
        "button pressed on " + panel + " panel: press again to " + action.get().label(),
        Map.of("panel", panel, "pressed", true, "confirmed", false));
  }

  private void withdraw(HostRecord host, String why) {
    HostRecord.Offer offer = host.offer;
    host.offer = null;
    offer.lapse().cancel();
    parts.activity.record(
        "button",
        host.name(),
        offer.action() + " offer " + why + ": nothing done",
        Map.of("panel", offer.panel(), "withdrawn", true));
  }

  private void request(HostRecord host, String action, String panel) {
    parts.commands.handle(
        host.name(), MaintenanceAction.parse(action).orElseThrow(), new Origin.Panel(panel));
  }
}
