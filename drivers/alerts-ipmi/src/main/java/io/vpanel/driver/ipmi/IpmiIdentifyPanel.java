package io.vpanel.driver.ipmi;

import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ipmi-identify} panel: shows only {@link PanelState#identify()} (lit while the host is
 * safe to service) on the chassis identify LED, with {@code chassis identify force} and {@code
 * chassis identify 0}, only when it changes. Has no display and no buttons. On close it turns the
 * LED off if it turned it on.
 */
final class IpmiIdentifyPanel implements PanelDriver {
  static final String NAME = "ipmi-identify";
  private static final Logger LOG = LoggerFactory.getLogger(IpmiIdentifyPanel.class);

  private final IpmiTool tool;
  private volatile PanelListener listener;
  private Boolean shown; // what the LED shows as far as we know; null = not set yet
  private Optional<String> fault = Optional.empty();

  IpmiIdentifyPanel(IpmiTool tool) {
    this.tool = tool;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PanelCapabilities capabilities() {
    return new PanelCapabilities(
        new DisplayGeometry(1, 8), ButtonInput.PRESS_ONLY, Set.of(), false);
  }

  @Override
  public void start(PanelListener newListener) {
    listener = newListener;
  }

  @Override
  public synchronized void render(PanelState state) {
    boolean want = state.identify();
    if (shown != null && shown == want) {
      return;
    }
    set(want);
  }

  private void set(boolean on) {
    try {
      IpmiTool.Result result = tool.run(List.of("chassis", "identify", on ? "force" : "0"));
      if (result.ok()) {
        shown = on;
        LOG.info(
            "ipmi-identify: identify LED of {} {}",
            tool.connection().describe(),
            on ? "on" : "off");
        report(Optional.empty());
      } else {
        shown = null; // try again at the next render
        report(
            Optional.of(
                "identify LED of " + tool.connection().describe() + ": " + result.problem()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void report(Optional<String> problem) {
    if (problem.equals(fault)) {
      return;
    }
    fault = problem;
    problem.ifPresent(p -> LOG.warn("ipmi-identify: {}", p));
    PanelListener l = listener;
    if (l != null) {
      l.onFault(problem);
    }
  }

  @Override
  public synchronized void close() {
    if (Boolean.TRUE.equals(shown)) {
      set(false);
    }
  }
}
