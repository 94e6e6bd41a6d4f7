package io.vpanel.core.engine;

import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Panel drivers for tests on real threads: one that records, one that hangs, one that throws. */
final class LivePanels {
  private LivePanels() {}

  /** Records every state it renders; thread-safe. */
  static class Recording implements PanelDriver {
    final String name;
    final PanelCapabilities capabilities;
    final List<PanelState> rendered = new CopyOnWriteArrayList<>();
    volatile PanelListener listener;

    Recording(String name, int rows, int columns) {
      this.name = name;
      this.capabilities = PanelCapabilities.full(new DisplayGeometry(rows, columns));
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public PanelCapabilities capabilities() {
      return capabilities;
    }

    @Override
    public void start(PanelListener listener) {
      this.listener = listener;
    }

    @Override
    public void render(PanelState state) {
      rendered.add(state);
    }

    PanelState last() {
      return rendered.isEmpty() ? null : rendered.get(rendered.size() - 1);
    }

    boolean showsLine(int row, String prefix) {
      PanelState last = last();
      return last != null && last.lines().size() > row && last.lines().get(row).startsWith(prefix);
    }

    @Override
    public void close() {}
  }

  /**
   * A panel whose renders block for up to 10 s, until released (a device that stopped answering).
   */
  static final class Hanging extends Recording {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);

    Hanging(String name) {
      super(name, 2, 16);
    }

    @Override
    public void render(PanelState state) {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      super.render(state);
    }
  }

  /** A panel whose renders throw until told to work. */
  static final class Throwing extends Recording {
    volatile boolean broken = true;

    Throwing(String name) {
      super(name, 4, 20);
    }

    @Override
    public void render(PanelState state) {
      if (broken) {
        throw new IllegalStateException("device gone");
      }
      super.render(state);
    }
  }
}
