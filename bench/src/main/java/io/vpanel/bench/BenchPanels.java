package io.vpanel.bench;

import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import java.util.EnumSet;
import java.util.concurrent.locks.LockSupport;

/**
 * The extra panels of the three-panels-per-host latency run: a 16 x 2 LCD-like panel that keeps the
 * newest state it rendered (the benchmark waits on it), and a slow 40 x 4 one whose every render
 * holds its thread for {@link #SLOW_RENDER_MILLIS} ms, as a panel on a slow serial line does.
 */
final class BenchPanels {
  static final long SLOW_RENDER_MILLIS = 250;

  private BenchPanels() {}

  /** Keeps the newest state and wakes whoever waits for it. */
  static final class Watched implements PanelDriver {
    private final Object changed;
    private volatile PanelState latest;
    private volatile long renderedAt;

    Watched(Object changed) {
      this.changed = changed;
    }

    PanelState latest() {
      return latest;
    }

    /** {@link System#nanoTime()} when the newest state was rendered. */
    long renderedAt() {
      return renderedAt;
    }

    @Override
    public String name() {
      return "lcd";
    }

    @Override
    public PanelCapabilities capabilities() {
      return new PanelCapabilities(
          new DisplayGeometry(2, 16),
          ButtonInput.PRESS_ONLY,
          EnumSet.of(LightColor.GREEN, LightColor.RED),
          false);
    }

    @Override
    public void start(PanelListener listener) {}

    @Override
    public void render(PanelState state) {
      renderedAt = System.nanoTime();
      latest = state;
      synchronized (changed) {
        changed.notifyAll();
      }
    }

    @Override
    public void close() {}
  }

  /** Takes {@link #SLOW_RENDER_MILLIS} ms for every state. */
  static final class Slow implements PanelDriver {
    volatile long rendered;

    @Override
    public String name() {
      return "slow";
    }

    @Override
    public PanelCapabilities capabilities() {
      return PanelCapabilities.full(new DisplayGeometry(4, 40));
    }

    @Override
    public void start(PanelListener listener) {}

    @Override
    public void render(PanelState state) {
      LockSupport.parkNanos(SLOW_RENDER_MILLIS * 1_000_000);
      rendered++;
    }

    @Override
    public void close() {}
  }
}
