package io.vpanel.driver.lcdproc;

import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A character LCD driven through LCDproc's server LCDd, panel driver {@code lcdproc}: a client of
 * the LCDproc protocol over TCP.
 *
 * <p>Its display is the size LCDd's {@code connect} line gives (4 x 20 until the first connect);
 * when a (re)connect reports another size it calls {@link PanelListener#onCapabilitiesChanged}. It
 * reports keys only ({@link ButtonInput#PRESS_ONLY}): the configured maintenance and back keys
 * become {@link ButtonEvent.Key} events. A flashing maintenance light blinks the backlight. After a
 * change that matters (the maintenance state, a confirm offer, text other than numbers, a light)
 * the screen takes the attention priority for {@code foregroundSeconds}, then goes back to the idle
 * priority. LCDd going away is a fault ({@link PanelListener#onFault}); the driver reconnects with
 * back-off and draws the newest state again.
 *
 * <p>Threads: {@link #render} only stores the newest state and wakes the session thread, so it
 * never blocks. The session thread (a virtual thread) owns the connection, the screen as last sent
 * and the timers; each connection's reader thread turns lines into events for it and reports keys
 * straight to the listener. Replies are not paired with commands: LCDd's {@code listen}, {@code
 * ignore} and {@code key} come at any time, and {@code huh?} is logged as an error of the last
 * commands sent.
 */
final class LcdprocPanelDriver implements PanelDriver {
  static final String NAME = "lcdproc";
  static final String SCREEN = "vpanel";

  /** The longest reply line read; a longer one is logged and skipped. */
  static final int MAX_LINE_BYTES = 4096;

  private static final Logger log = LoggerFactory.getLogger(LcdprocPanelDriver.class);
  private static final int MAILBOX = 1024;
  private static final int RECENT_COMMANDS = 8;

  /**
   * The driver's internal times.
   *
   * @param backoffStart the first wait before a reconnect; it doubles up to reconnectMaxSeconds
   * @param noopEvery how often the session sends {@code noop} so that a live LCDd always answers
   * @param silentLimit a connection on which nothing at all arrived this long is given up
   */
  record Timing(Duration backoffStart, Duration noopEvery, Duration silentLimit) {
    static final Timing DEFAULT =
        new Timing(Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(15));
  }

  private sealed interface Event {}

  private record Wake() implements Event {}

  private record Closing() implements Event {}

  private record Line(Connection from, String text) implements Event {}

  private record Ended(Connection from, String why) implements Event {}

  private static final Event WAKE = new Wake();
  private static final Event CLOSING = new Closing();

  private final LcdprocSettings settings;
  private final Scheduler scheduler;
  private final Timing timing;
  private final String where;

  // Shared between threads.
  private volatile PanelCapabilities capabilities;
  private volatile PanelListener listener;
  private volatile boolean closed;
  private volatile Socket socket;
  private volatile boolean visible; // written by the session thread only
  private final AtomicReference<PanelState> desired = new AtomicReference<>();
  private final AtomicBoolean renderPending = new AtomicBoolean();
  private final BlockingQueue<Event> mailbox = new ArrayBlockingQueue<>(MAILBOX);
  private final AtomicReference<Thread> session = new AtomicReference<>();

  // Session thread only from here on.
  private int lcdWidth = DisplayGeometry.FOUR_BY_TWENTY.columns();
  private int lcdHeight = DisplayGeometry.FOUR_BY_TWENTY.rows();
  private String[] shownRows = new String[0];
  private String shownPriority;
  private String shownBacklight;
  private String lastShape;
  private long attentionUntil = System.nanoTime();
  private boolean blinkRefused;
  private Optional<String> reportedFault = Optional.empty();
  private final Deque<String> recent = new ArrayDeque<>();
  private long connections;

  LcdprocPanelDriver(LcdprocSettings settings, Scheduler scheduler) {
    this(settings, scheduler, Timing.DEFAULT);
  }

  LcdprocPanelDriver(LcdprocSettings settings, Scheduler scheduler, Timing timing) {
    this.settings = settings;
    this.scheduler = scheduler;
    this.timing = timing;
    this.where = "LCDd at " + settings.host() + ":" + settings.port();
    this.capabilities =
        new PanelCapabilities(
            DisplayGeometry.FOUR_BY_TWENTY,
            ButtonInput.PRESS_ONLY,
            // One "colour": the backlight. Core then keeps every lit light lit and flashing.
            EnumSet.of(LightColor.GREEN),
            false);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PanelCapabilities capabilities() {
    return capabilities;
  }

  /** True while connected and LCDd shows this panel's screen (it said {@code listen}). */
  boolean showing() {
    return visible && !closed;
  }

  @Override
  public void start(PanelListener panelListener) {
    this.listener = panelListener;
    Thread thread = Thread.ofVirtual().name("lcdproc-session " + where).unstarted(this::run);
    if (!session.compareAndSet(null, thread)) {
      throw new IllegalStateException("the lcdproc panel is started already");
    }
    thread.start();
  }

  @Override
  public void render(PanelState state) {
    if (closed) {
      return;
    }
    desired.set(state);
    if (renderPending.compareAndSet(false, true)) {
      // When the mailbox is full the session is awake anyway and sees the flag.
      mailbox.offer(WAKE);
    }
  }

  @Override
  public void close() {
    closed = true;
    listener = null;
    mailbox.offer(CLOSING);
    Thread thread = session.get();
    if (thread == null) {
      return;
    }
    try {
      if (!thread.join(Duration.ofSeconds(2))) {
        // Stuck in a write to a peer that stopped reading: closing the socket ends it.
        closeQuietly(socket);
        thread.interrupt();
        thread.join(Duration.ofSeconds(2));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(socket);
    }
  }

  // ---- the session thread ----

  private void run() {
    Duration backoff = timing.backoffStart();
    String lastProblem = null;
    while (!closed) {
      Connection connection = null;
      String problem;
      try {
        connection = open();
        if (lastProblem != null) {
          log.info("{}: connected again ({}x{})", where, lcdWidth, lcdHeight);
        }
        fault(Optional.empty());
        lastProblem = null;
        backoff = timing.backoffStart();
        problem = serve(connection);
      } catch (IOException e) {
        // The reader's reason wins over what a write to the socket it closed says.
        problem =
            connection != null && connection.endedBecause != null
                ? connection.endedBecause
                : describe(e);
      } catch (InterruptedException e) {
        problem = null;
      } catch (RuntimeException e) {
        problem = "unexpected " + e;
        log.error("{}: session failed", where, e);
      } finally {
        visible = false;
        if (connection != null) {
          connection.close();
        }
      }
      if (closed || problem == null) {
        break;
      }
      if (!problem.equals(lastProblem)) {
        log.warn(
            "{}: {}; reconnecting (back-off up to {} s)",
            where,
            problem,
            settings.reconnectMaxSeconds());
      } else {
        log.debug("{}: {}", where, problem);
      }
      lastProblem = problem;
      fault(Optional.of(where + ": " + problem));
      pause(backoff);
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(settings.reconnectMax()) > 0 ? settings.reconnectMax() : doubled;
    }
    closeQuietly(socket);
    log.debug("{}: session ended", where);
  }

  /** Connects, says hello, waits for LCDd's {@code connect} line, sets the screen up and draws. */
  private Connection open() throws IOException, InterruptedException {
    Socket s = new Socket();
    socket = s;
    if (closed) {
      closeQuietly(s);
      throw new InterruptedException("closed");
    }
    try {
      s.connect(
          new InetSocketAddress(settings.host(), settings.port()), settings.connectTimeoutMillis());
      s.setTcpNoDelay(true);
      s.setSoTimeout((int) timing.silentLimit().toMillis());
    } catch (IOException e) {
      closeQuietly(s);
      throw e;
    }
    Connection c = new Connection(s, ++connections);
    c.startReader();
    c.send("hello");
    c.flush();
    long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Event event = left <= 0 ? null : mailbox.poll(left, TimeUnit.NANOSECONDS);
      switch (event) {
        case null ->
            throw new IOException(
                "no 'connect' answer to 'hello' within "
                    + settings.connectTimeoutMillis()
                    + " ms (is it LCDd?)");
        case Line line when line.from() == c -> {
          if (LcdReply.kind(line.text(), SCREEN) == LcdReply.Kind.CONNECT) {
            geometry(line.text());
            setUp(c);
            return c;
          }
          handle(c, line.text());
        }
        case Ended ended when ended.from() == c -> throw new IOException(ended.why());
        case Closing closing -> throw new InterruptedException("closed");
        default -> {} // a wake (the draw after set-up covers it) or a line of an old connection
      }
    }
  }

  private void setUp(Connection c) throws IOException {
    c.send("client_set -name " + SCREEN);
    c.send("screen_add " + SCREEN);
    c.send("screen_set " + SCREEN + " -name " + SCREEN + " -heartbeat off");
    addWidgets(c, 0);
    c.send("client_add_key " + settings.maintenanceKey() + " " + settings.backKey());
    shownPriority = null;
    shownBacklight = null;
    lastShape = null; // a reconnect shows the current state in the foreground again
    visible = false;
    renderPending.set(false);
    draw(c);
    c.flush();
  }

  private void addWidgets(Connection c, int from) throws IOException {
    for (int row = from + 1; row <= lcdHeight; row++) {
      c.send("widget_add " + SCREEN + " l" + row + " string");
    }
    String[] rows = Arrays.copyOf(shownRows, lcdHeight);
    if (from == 0) {
      Arrays.fill(rows, null);
    }
    shownRows = rows;
  }

  /** Serves one connection until it ends; returns why, or null when the driver closes. */
  private String serve(Connection c) throws IOException, InterruptedException {
    long nextNoop = System.nanoTime() + timing.noopEvery().toNanos();
    while (!closed) {
      if (renderPending.getAndSet(false)) {
        draw(c);
        c.flush();
      }
      long now = System.nanoTime();
      long wake = nextNoop;
      if (shownPriority != null
          && !shownPriority.equals(settings.idlePriority())
          && attentionUntil - now > 0
          && attentionUntil - wake < 0) {
        wake = attentionUntil;
      }
      Event event = mailbox.poll(Math.max(0, wake - now), TimeUnit.NANOSECONDS);
      switch (event) {
        case null -> {
          if (System.nanoTime() - nextNoop >= 0) {
            c.send("noop");
            nextNoop = System.nanoTime() + timing.noopEvery().toNanos();
          }
          draw(c); // the attention time may be over; draws nothing else that is unchanged
          c.flush();
        }
        case Line line when line.from() == c -> {
          handle(c, line.text());
          c.flush();
        }
        case Ended ended when ended.from() == c -> {
          return ended.why();
        }
        case Closing closing -> {
          return null;
        }
        default -> {} // a wake: the loop draws; or a line of an old connection
      }
    }
    return null;
  }

  /** Sends what differs between the newest state and what this connection shows. */
  private void draw(Connection c) throws IOException {
    PanelState state = desired.get();
    for (int i = 0; i < lcdHeight; i++) {
      String text = state != null && i < state.lines().size() ? state.lines().get(i) : "";
      String row = LcdText.row(text, lcdWidth);
      if (!row.equals(shownRows[i])) {
        int y = i + 1;
        c.send("widget_set " + SCREEN + " l" + y + " 1 " + y + " " + LcdText.quoted(row));
        shownRows[i] = row;
      }
    }
    long now = System.nanoTime();
    if (state != null) {
      String shape = shape(state);
      if (!shape.equals(lastShape)) {
        lastShape = shape;
        attentionUntil = now + settings.foreground().toNanos();
      }
    }
    boolean attention =
        state == null
            || state.confirm().isPresent()
            || state.hold().isPresent()
            || now - attentionUntil < 0;
    String priority = attention ? settings.attentionPriority() : settings.idlePriority();
    String backlight =
        state != null && state.maintenance().flashing() && !blinkRefused
            ? settings.flashingBacklight()
            : "on";
    StringBuilder options = new StringBuilder();
    if (!priority.equals(shownPriority)) {
      options.append(" -priority ").append(priority);
      shownPriority = priority;
    }
    if (!backlight.equals(shownBacklight)) {
      options.append(" -backlight ").append(backlight);
      shownBacklight = backlight;
    }
    if (!options.isEmpty()) {
      c.send("screen_set " + SCREEN + options);
    }
  }

  /**
   * What of a state calls for attention when it changes: the maintenance state, an offer or hold,
   * the lights, and the text with its numbers left out (a countdown is no news; a new alert is).
   */
  static String shape(PanelState state) {
    StringBuilder shape =
        new StringBuilder()
            .append(state.maintenanceState())
            .append(state.confirm().isPresent() ? " confirm" : "")
            .append(state.hold().isPresent() ? " hold" : "");
    for (Light light :
        new Light[] {
          state.maintenance(), state.managementLink(), state.pfaProtect(), state.drs(), state.ha()
        }) {
      shape.append(' ').append(light.color()).append(light.flashing() ? "*" : "");
    }
    for (String line : state.lines()) {
      shape.append('|').append(line.replaceAll("[0-9]+([.,:][0-9]+)*", "#").strip());
    }
    return shape.toString();
  }

  /** One line from LCDd other than {@code key}, on the session thread. */
  private void handle(Connection c, String text) throws IOException {
    LcdReply.Kind kind = LcdReply.kind(text, SCREEN);
    if (kind == LcdReply.Kind.DONE) {
      return;
    }
    if (kind == LcdReply.Kind.REFUSED) {
      log.error("{} refused one of the last commands {}: {}", where, recent, printable(text));
      if (text.contains("Could not reserve key")) {
        log.error(
            "{}: a key of the panel is not ours (maintenanceKey {}, backKey {}); with LCDd's"
                + " menu on, Escape is reserved by the menu: use Left or another key, or drop"
                + " the [menu] keys from LCDd.conf",
            where,
            settings.maintenanceKey(),
            settings.backKey());
      } else if (text.contains("backlight") && !blinkRefused) {
        log.warn(
            "{}: the backlight cannot {}; a flashing light shows as backlight on",
            where,
            settings.flashingBacklight());
        blinkRefused = true;
        shownBacklight = null;
        draw(c);
      }
      return;
    }
    if (kind == LcdReply.Kind.SHOWN) {
      visible = true;
      log.debug("{}: the screen is shown", where);
      return;
    }
    if (kind == LcdReply.Kind.HIDDEN) {
      visible = false;
      log.debug("{}: the screen is hidden", where);
      return;
    }
    if (kind == LcdReply.Kind.CONNECT) {
      int oldHeight = lcdHeight;
      int oldWidth = lcdWidth;
      geometry(text);
      if (lcdWidth != oldWidth) {
        Arrays.fill(shownRows, null);
      }
      if (lcdHeight > oldHeight) {
        addWidgets(c, oldHeight);
      } else if (lcdHeight < oldHeight) {
        shownRows = Arrays.copyOf(shownRows, lcdHeight);
      }
      draw(c);
      return;
    }
    if (kind == LcdReply.Kind.NOTED) {
      log.debug("{}: {}", where, printable(text));
      return;
    }
    log.warn("{} sent a line this driver does not know, ignored: {}", where, printable(text));
  }

  /** Reads the display's size from a {@code connect} line; keeps the old one if it has none. */
  private void geometry(String line) {
    int[] size = LcdReply.size(line);
    if (size == null) {
      log.warn(
          "{}: its connect line gives no usable size, keeping {}x{}: {}",
          where,
          lcdWidth,
          lcdHeight,
          printable(line));
      return;
    }
    int width = size[0];
    int height = size[1];
    lcdWidth = width;
    lcdHeight = height;
    int rows = Math.clamp(height, 1, DisplayGeometry.MAX_ROWS);
    int columns = Math.clamp(width, 8, DisplayGeometry.MAX_COLUMNS);
    if (rows != height || columns != width) {
      log.warn(
          "{}: its display is {}x{}; vpanel lays out {}x{} and cuts the rest",
          where,
          width,
          height,
          columns,
          rows);
    }
    DisplayGeometry display = new DisplayGeometry(rows, columns);
    PanelCapabilities before = capabilities;
    if (!before.display().equals(display)) {
      capabilities = before.withDisplay(display);
      log.info("{}: the display is {}", where, display);
      PanelListener current = listener;
      if (current != null && !closed) {
        current.onCapabilitiesChanged();
      }
    }
  }

  private void fault(Optional<String> problem) {
    if (problem.equals(reportedFault)) {
      return;
    }
    reportedFault = problem;
    PanelListener current = listener;
    if (current != null && !closed) {
      current.onFault(problem);
    }
  }

  /** Waits {@code time}, or less when the driver closes; lines of dead connections are dropped. */
  private void pause(Duration time) {
    long deadline = System.nanoTime() + time.toNanos();
    try {
      while (!closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        Event event = mailbox.poll(left, TimeUnit.NANOSECONDS);
        if (event instanceof Closing) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String describe(IOException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof java.net.ConnectException) {
      return "cannot connect (" + message + "); is LCDd running and listening there?";
    }
    if (e instanceof java.net.UnknownHostException) {
      return "unknown host " + message;
    }
    return message;
  }

  /** {@code text} for a log line: control characters escaped, at most 200 characters. */
  static String printable(String text) {
    if (text.isEmpty()) {
      return "(an empty line)";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length() && out.length() < 200; i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return text.length() > 200 ? out + "..." : out.toString();
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /** Posts from a reader thread; waits while the session is busy, never past close. */
  private void post(Event event) {
    try {
      while (!closed) {
        if (mailbox.offer(event, 100, TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void key(String name) {
    PanelButton button;
    if (name.equals(settings.maintenanceKey())) {
      button = PanelButton.MAINTENANCE;
    } else if (name.equals(settings.backKey())) {
      button = PanelButton.BACK;
    } else {
      log.debug("{}: key {} is no button of this panel", where, printable(name));
      return;
    }
    PanelListener current = listener;
    if (current != null && !closed) {
      current.onButton(new ButtonEvent.Key(button, scheduler.now()));
    }
  }

  /** One TCP connection to LCDd: written by the session thread, read by its own reader thread. */
  private final class Connection {
    private final Socket socket;
    private final long id;
    private final Writer out;

    /**
     * Why the reader ended the connection, set before it closes the socket: a write the owner makes
     * meanwhile fails with a bare "Socket closed", and this is the reason to report instead.
     */
    private volatile String endedBecause;

    Connection(Socket socket, long id) throws IOException {
      this.socket = socket;
      this.id = id;
      this.out =
          new BufferedWriter(
              new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII));
    }

    void startReader() {
      Thread.ofVirtual().name("lcdproc-reader " + where + " #" + id).start(this::read);
    }

    /** Queues one command; the caller flushes after a batch. */
    void send(String command) throws IOException {
      out.write(command);
      out.write('\n');
      if (recent.size() == RECENT_COMMANDS) {
        recent.removeFirst();
      }
      recent.addLast(command);
    }

    void flush() throws IOException {
      out.flush();
    }

    void close() {
      closeQuietly(socket);
    }

    private void read() {
      String why;
      try {
        LineReader lines = new LineReader(socket.getInputStream(), MAX_LINE_BYTES);
        while (true) {
          String line = lines.next();
          if (line == null) {
            why = "LCDd closed the connection";
            break;
          }
          if (LineReader.overlong(line)) {
            log.warn("{} sent a line longer than {} bytes, skipped", where, MAX_LINE_BYTES);
          } else if (LcdReply.kind(line, SCREEN) == LcdReply.Kind.KEY) {
            key(LcdReply.key(line));
          } else {
            post(new Line(this, line));
          }
        }
      } catch (SocketTimeoutException e) {
        why =
            "LCDd sent nothing for "
                + timing.silentLimit().toSeconds()
                + " s, not even an answer to noop";
      } catch (IOException e) {
        why = describe(e);
      }
      endedBecause = why;
      closeQuietly(socket);
      post(new Ended(this, why));
    }
  }
}
