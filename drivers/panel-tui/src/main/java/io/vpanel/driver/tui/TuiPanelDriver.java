package io.vpanel.driver.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The terminal front panel of one host, panel driver {@code tui}: draws the host's panel state on a
 * terminal (the agent's console or a serial line) with lanterna and reports the configured keys as
 * {@link ButtonEvent.Key} strokes of {@link PanelButton#MAINTENANCE} and {@link PanelButton#BACK};
 * core turns them into the press-and-confirm gesture and writes the offer into the display lines.
 *
 * <p>Threads: {@link #render} only stores the newest state and wakes the session thread, so it
 * never blocks on a slow serial line. The session thread (virtual) owns the terminal: it opens the
 * device, draws whenever the state, the terminal's size or a flashing lamp's phase changed, polls
 * the size every {@code sizePollMillis}, and when the terminal goes away reports {@link
 * PanelListener#onFault} and opens it again every {@value #RETRY_SECONDS} s. A reader thread
 * (virtual) per opened terminal blocks on its input and decodes keys.
 *
 * <p>Flashing: the terminal cannot blink a lamp by itself ({@code hardwareFlashing} false; SGR
 * blink is ignored by many terminals and cannot be seen in a screen capture), so a flashing lamp is
 * drawn lit in the first half of every second of the scheduler's clock and unlit in the second; a
 * timer on the scheduler wakes the session thread at each half second while a lamp flashes.
 */
final class TuiPanelDriver implements PanelDriver {
  static final int RETRY_SECONDS = 2;
  private static final System.Logger log = System.getLogger(TuiPanelDriver.class.getName());
  private static final long FLASH_HALF_MILLIS = 500;
  private static final int READ_BUFFER = 256;

  private final TuiSettings settings;
  private final Scheduler scheduler;
  private final PanelCapabilities capabilities;
  private final Charset charset;
  private final PanelView view;
  private final AtomicReference<PanelState> latest = new AtomicReference<>();
  private final BlockingQueue<Boolean> wake = new ArrayBlockingQueue<>(1);
  private final AtomicBoolean tickPending = new AtomicBoolean();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile Scheduler.Cancellable tick;
  private volatile PanelListener listener;
  private volatile boolean closed;
  private volatile Thread session;

  TuiPanelDriver(TuiSettings settings, Scheduler scheduler, Map<String, String> environment) {
    this.settings = settings;
    this.scheduler = scheduler;
    this.capabilities =
        new PanelCapabilities(
            settings.geometry(),
            ButtonInput.PRESS_ONLY,
            EnumSet.of(LightColor.GREEN, LightColor.AMBER, LightColor.RED),
            false);
    this.charset = settings.resolvedCharset(environment);
    this.view = new PanelView(settings, !charset.equals(StandardCharsets.UTF_8));
  }

  @Override
  public String name() {
    return "tui";
  }

  @Override
  public PanelCapabilities capabilities() {
    return capabilities;
  }

  /** The smallest terminal that shows the whole panel. */
  TerminalSize needed() {
    return view.needed();
  }

  @Override
  public void start(PanelListener newListener) {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("the terminal panel is already started");
    }
    if (closed) {
      return;
    }
    this.listener = newListener;
    // A terminal write can block (a serial line's flow control): a thread of its own, not a
    // virtual thread's carrier.
    session = Thread.ofPlatform().daemon().name("tui-panel " + settings.device()).start(this::run);
  }

  @Override
  public void render(PanelState state) {
    if (closed) {
      return;
    }
    latest.set(state);
    wake.offer(Boolean.TRUE);
  }

  @Override
  public void close() {
    closed = true;
    listener = null;
    Scheduler.Cancellable pending = tick;
    if (pending != null) {
      pending.cancel();
    }
    wake.offer(Boolean.TRUE);
    Thread running = session;
    if (running != null && running != Thread.currentThread()) {
      try {
        // long enough to put the terminal back as it was, not for a stuck serial line
        running.join(Duration.ofSeconds(3));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    String reported = null;
    while (!closed) {
      String problem;
      try (Tty tty = Tty.open(settings.device())) {
        if (reported != null) {
          fault(Optional.empty());
          reported = null;
        }
        problem = session(tty);
      } catch (IOException e) {
        problem = e.getMessage();
      } catch (RuntimeException e) {
        problem = "the terminal panel failed: " + e;
      }
      if (closed) {
        return;
      }
      if (problem != null && !problem.equals(reported)) {
        fault(Optional.of(problem));
        reported = problem;
      }
      pause(TimeUnit.SECONDS.toMillis(RETRY_SECONDS));
    }
  }

  private void fault(Optional<String> problem) {
    log.log(
        problem.isPresent() ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
        problem.map(p -> "terminal panel: " + p).orElse("terminal panel: the terminal is back"));
    PanelListener current = listener;
    if (current != null && !closed) {
      try {
        current.onFault(problem);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "the panel listener refused a fault report", e);
      }
    }
  }

  private void pause(long millis) {
    try {
      wake.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  /** Shows states on {@code tty} until closed (null) or the terminal fails (why). */
  private String session(Tty tty) throws IOException {
    TerminalSize size = tty.size();
    TtyTerminal terminal = new TtyTerminal(tty.out(), charset, size);
    TerminalScreen screen = new TerminalScreen(terminal);
    AtomicReference<String> failure = new AtomicReference<>();
    AtomicBoolean over = new AtomicBoolean();
    // Reading a terminal blocks in the kernel, which holds a virtual thread's carrier: with as
    // many carriers as cores, a few such readers would stop every virtual thread of the agent.
    Thread reader =
        Thread.ofPlatform()
            .daemon()
            .name("tui-panel-keys " + settings.device())
            .start(() -> readKeys(tty, failure, over));
    long pollNanos = TimeUnit.MILLISECONDS.toNanos(settings.sizePollMillis());
    try {
      screen.startScreen();
      screen.setCursorPosition(null);
      boolean complete = true;
      PanelState drawn = null;
      boolean drawnPhase = false;
      long nextPoll = System.nanoTime() + pollNanos;
      while (!closed) {
        String failed = failure.get();
        if (failed != null) {
          return failed;
        }
        if (System.nanoTime() - nextPoll >= 0) {
          nextPoll = System.nanoTime() + pollNanos;
          TerminalSize now = tty.size();
          if (!now.equals(size)) {
            size = now;
            terminal.resizedTo(now);
            complete = true;
          }
        }
        PanelState state = latest.get();
        boolean flashing = flashing(state);
        boolean phase = flashOn();
        if (complete || state != drawn || (flashing && phase != drawnPhase)) {
          screen.doResizeIfNecessary();
          view.draw(screen.newTextGraphics(), screen.getTerminalSize(), state, phase);
          screen.refresh(complete ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
          drawn = state;
          drawnPhase = phase;
          complete = false;
        }
        if (flashing) {
          scheduleFlashTick();
        }
        long waitNanos = Math.max(0, nextPoll - System.nanoTime());
        try {
          wake.poll(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
      return null;
    } catch (IOException e) {
      String failed = failure.get();
      return failed != null ? failed : tty.name() + " is gone (" + e.getMessage() + ")";
    } finally {
      over.set(true);
      if (closed && failure.get() == null) {
        try {
          screen.stopScreen();
        } catch (IOException | RuntimeException e) {
          // the terminal went away while closing; nothing left to restore
        }
      }
      try {
        reader.join(Duration.ofSeconds(1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static boolean flashing(PanelState state) {
    return state != null
        && (state.maintenance().flashing()
            || state.managementLink().flashing()
            || state.pfaProtect().flashing()
            || state.drs().flashing()
            || state.ha().flashing());
  }

  /** Lit in the first half of every second of the scheduler's clock. */
  private boolean flashOn() {
    return (scheduler.now().toEpochMilli() / FLASH_HALF_MILLIS) % 2 == 0;
  }

  private void scheduleFlashTick() {
    if (closed || !tickPending.compareAndSet(false, true)) {
      return;
    }
    long millis = scheduler.now().toEpochMilli();
    long delay = FLASH_HALF_MILLIS - Math.floorMod(millis, FLASH_HALF_MILLIS);
    tick =
        scheduler.schedule(
            Duration.ofMillis(delay),
            () -> {
              tickPending.set(false);
              wake.offer(Boolean.TRUE);
            });
  }

  private void readKeys(Tty tty, AtomicReference<String> failure, AtomicBoolean over) {
    KeyDecoder decoder = new KeyDecoder(this::key);
    byte[] buffer = new byte[READ_BUFFER];
    int quickEnds = 0;
    try {
      while (!closed && !over.get()) {
        long before = System.nanoTime();
        int read = tty.in().read(buffer);
        if (read > 0) {
          quickEnds = 0;
          decoder.feed(buffer, read);
        } else {
          // 0.2 s without input (the terminal's read timeout) ends a pending ESC; an end of input
          // that comes back at once, again and again, is a line that hung up
          decoder.idle();
          if (System.nanoTime() - before < TimeUnit.MILLISECONDS.toNanos(50)) {
            if (++quickEnds >= 20) {
              failure.compareAndSet(null, tty.name() + " hung up (end of input)");
              wake.offer(Boolean.TRUE);
              return;
            }
          } else {
            quickEnds = 0;
          }
        }
      }
    } catch (IOException e) {
      if (!closed && !over.get()) {
        failure.compareAndSet(null, tty.name() + " is gone (" + e.getMessage() + ")");
        wake.offer(Boolean.TRUE);
      }
    }
  }

  private void key(String name) {
    PanelButton button;
    if (name.equals(settings.maintenanceKey())) {
      button = PanelButton.MAINTENANCE;
    } else if (name.equals(settings.backKey())) {
      button = PanelButton.BACK;
    } else {
      return;
    }
    PanelListener current = listener;
    if (current != null && !closed) {
      try {
        current.onButton(new ButtonEvent.Key(button, scheduler.now()));
      } catch (RuntimeException e) {
        // the listener's failure is not the terminal's: keep reading keys
        log.log(System.Logger.Level.WARNING, "the panel listener refused a key", e);
      }
    }
  }
}
