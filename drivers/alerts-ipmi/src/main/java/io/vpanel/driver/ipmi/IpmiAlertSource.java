package io.vpanel.driver.ipmi;

import io.vpanel.spi.Scheduler;
import io.vpanel.spi.alert.AlertListener;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ipmi} alert source: polls the BMC's System Event Log with ipmitool on a virtual thread
 * and reports each new record as a {@link HardwareAlert}, with a {@link SelCursor} core keeps.
 *
 * <p>Each poll reads Get SEL Info ({@code raw 0x0a 0x40}); when its entry count and its last-add
 * and last-erase timestamps are unchanged nothing else is read (the timestamps count seconds, so
 * two records in one second differ only in the count). Otherwise it walks Get SEL Entry ({@code raw
 * 0x0a 0x43}) from the cursor's record to the last one. The resume rule: if the SEL's last-erase
 * timestamp differs from the cursor's, the SEL was cleared since, and every record it holds is new;
 * if the cursor's record is gone with no erase (a BMC that overwrites its oldest records), the
 * records newer than the cursor's timestamp (same timestamp: a higher id) are new; else the records
 * after the cursor's record are new. Started without a cursor (the first start), the source reports
 * the conditions active now: it reads the whole SEL once and reports each condition whose last
 * record is an assertion of more than INFO, in SEL order, then goes on from the newest record.
 */
final class IpmiAlertSource implements AlertSource {
  static final String NAME = "ipmi";
  private static final Logger LOG = LoggerFactory.getLogger(IpmiAlertSource.class);

  /** Not more records than a SEL can hold (ids are 16 bits) in one walk. */
  private static final int MAX_WALK = 0xffff;

  private final IpmiTool tool;
  private final Scheduler scheduler;
  private final Duration pollInterval;
  private final Semaphore wake = new Semaphore(0);
  private final Object lock = new Object();

  private volatile boolean closed;
  private Thread thread;
  private AlertListener listener;
  private SourceHealth lastHealth;

  // poll thread only
  private SelCursor position;
  private SelInfo seen; // the last Get SEL Info fully walked
  private Map<Integer, String> names = Map.of();
  private boolean namesLoaded;

  IpmiAlertSource(IpmiTool tool, Scheduler scheduler, Duration pollInterval) {
    this.tool = tool;
    this.scheduler = scheduler;
    this.pollInterval = pollInterval;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void start(Optional<String> resumeAfter, AlertListener newListener) {
    Objects.requireNonNull(newListener, "listener");
    synchronized (lock) {
      if (thread != null || closed) {
        throw new IllegalStateException("the ipmi alert source starts once");
      }
      listener = newListener;
      resumeAfter.ifPresent(
          text -> {
            position = SelCursor.parse(text).orElse(null);
            if (position == null) {
              LOG.warn(
                  "ipmi: the stored cursor is not one of this driver's; starting at the SEL's"
                      + " newest record");
            }
          });
      thread = Thread.ofVirtual().name("ipmi-sel-poll").start(this::run);
    }
  }

  @Override
  public void close() {
    Thread t;
    synchronized (lock) {
      closed = true;
      t = thread;
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      while (!closed) {
        poll();
        Scheduler.Cancellable tick = scheduler.schedule(pollInterval, wake::release);
        try {
          wake.tryAcquire(pollInterval.toMillis() * 10 + 1000, TimeUnit.MILLISECONDS);
        } finally {
          tick.cancel();
        }
        wake.drainPermits();
      }
    } catch (InterruptedException e) {
      // closed
    } catch (RuntimeException e) {
      LOG.error("ipmi: the SEL poll stopped", e);
      health(SourceHealth.unreachable("the SEL poll stopped: " + e));
    }
  }

  /** Failure of one ipmitool call, as the health it means. */
  private static final class CallFailed extends Exception {
    private static final long serialVersionUID = 1L;
    final transient SourceHealth health;

    CallFailed(SourceHealth health) {
      super(health.reason(), null, false, false);
      this.health = health;
    }
  }

  private void poll() throws InterruptedException {
    try {
      SelInfo info = selInfo();
      if (!namesLoaded) {
        loadNames();
      }
      if (position == null) {
        replayActive(info);
        seen = info;
        healthOk(info);
        return;
      }
      if (info.lastErase() != position.eraseTimestamp()) {
        LOG.info(
            "ipmi: the SEL of {} was cleared (last erase {} -> {}); reading it from its first"
                + " record",
            tool.connection().describe(),
            hex8(position.eraseTimestamp()),
            hex8(info.lastErase()));
        walk(0, info.lastErase(), r -> true, this::deliver);
      } else if (seen == null
          || info.lastAdd() != seen.lastAdd()
          || info.entries() != seen.entries()) {
        walkAfter(position, info.lastErase());
      }
      seen = info;
      healthOk(info);
    } catch (CallFailed e) {
      health(e.health);
    }
  }

  private void healthOk(SelInfo info) {
    health(
        SourceHealth.ok(
            "reading the SEL of "
                + tool.connection().describe()
                + (info.overflow() ? " (full: the BMC dropped events; clear the SEL)" : "")));
  }

  /** The first start: the conditions the SEL shows active (asserted, not cleared since). */
  private void replayActive(SelInfo info) throws InterruptedException, CallFailed {
    position = new SelCursor(0, info.lastErase(), 0);
    java.util.LinkedHashMap<String, SelRecord> active = new java.util.LinkedHashMap<>();
    java.util.Map<Integer, SelCursor> cursors = new java.util.HashMap<>();
    walk(
        0,
        info.lastErase(),
        r -> true,
        (r, after) -> {
          if (!r.systemEvent()) {
            return;
          }
          Classifier.Meaning meaning = Classifier.classify(r);
          active.remove(meaning.id());
          if (!r.deassertion() && meaning.severity() != io.vpanel.spi.alert.AlertSeverity.INFO) {
            active.put(meaning.id(), r);
            cursors.put(r.id(), after);
          }
        });
    int left = active.size();
    LOG.info(
        "ipmi: first start: {} condition(s) active in the SEL of {}",
        left,
        tool.connection().describe());
    for (SelRecord r : active.values()) {
      left--;
      // the last one stands for everything read: a restart goes on after the newest record
      deliver(r, left == 0 ? position : cursors.get(r.id()));
    }
  }

  private void walkAfter(SelCursor from, long erase) throws InterruptedException, CallFailed {
    if (from.recordId() == 0) {
      walk(0, erase, r -> true, this::deliver);
      return;
    }
    Optional<SelRecord> mark = entry(from.recordId());
    if (mark.isEmpty()) {
      LOG.info(
          "ipmi: record {} is gone from the SEL without a clear; reporting the records newer than"
              + " its timestamp",
          from.recordId());
      walk(
          0,
          erase,
          r ->
              r.timestamp() > from.recordTimestamp()
                  || (r.timestamp() == from.recordTimestamp() && r.id() > from.recordId()),
          this::deliver);
      return;
    }
    if (mark.get().next() != SelRecord.LAST) {
      walk(mark.get().next(), erase, r -> true, this::deliver);
    }
  }

  /** Takes the records a walk finds new, with the cursor just past each. */
  private interface Sink {
    void take(SelRecord record, SelCursor after) throws InterruptedException;
  }

  private void walk(int first, long erase, java.util.function.Predicate<SelRecord> isNew, Sink sink)
      throws InterruptedException, CallFailed {
    int id = first;
    for (int i = 0; i < MAX_WALK && !closed; i++) {
      Optional<SelRecord> found = entry(id);
      if (found.isEmpty()) {
        // empty SEL, or the record vanished under us (a clear): the next poll sees the erase
        position = new SelCursor(position.recordId(), erase, position.recordTimestamp());
        if (id == 0) {
          position = new SelCursor(0, erase, 0);
        }
        return;
      }
      SelRecord r = found.get();
      SelCursor after = new SelCursor(r.id(), erase, r.timestamp());
      if (isNew.test(r)) {
        sink.take(r, after);
      }
      position = after;
      if (r.next() == SelRecord.LAST || r.next() == r.id()) {
        return;
      }
      id = r.next();
    }
  }

  private void deliver(SelRecord r, SelCursor after) throws InterruptedException {
    Classifier.Meaning meaning;
    String component;
    boolean asserted;
    if (r.systemEvent()) {
      meaning = Classifier.classify(r);
      int key = SdrNames.key(r.sensorType(), r.sensorNumber());
      if (!names.containsKey(key) && !namesReloadedThisPoll) {
        namesReloadedThisPoll = true;
        loadNames();
      }
      component = names.getOrDefault(key, Classifier.sensorLabel(r.sensorType(), r.sensorNumber()));
      asserted = !r.deassertion();
    } else if (r.type() >= 0xc0) {
      meaning = Classifier.oem(r);
      component = "BMC";
      asserted = true;
    } else {
      LOG.warn("ipmi: SEL record {} has unknown type 0x{}; skipped", r.id(), r.hex());
      return;
    }
    Instant at =
        r.timestamp() > SelRecord.PRE_INIT_MAX && r.timestamp() != 0xffffffffL
            ? Instant.ofEpochSecond(r.timestamp())
            : scheduler.now();
    HardwareAlert alert =
        new HardwareAlert(
            meaning.id(), NAME, meaning.severity(), asserted, component, meaning.cause(), at);
    synchronized (lock) {
      if (closed) {
        return;
      }
      LOG.info(
          "ipmi: SEL record {}: {} [{}] {}", r.id(), alert.describe(), alert.severity(), r.hex());
      listener.onAlert(alert, after.text());
    }
  }

  private boolean namesReloadedThisPoll;

  private void loadNames() throws InterruptedException {
    namesLoaded = true;
    IpmiTool.Result result = tool.run(List.of("sdr", "elist", "all", "-v"));
    if (result.ok()) {
      names = SdrNames.parse(result.out());
    } else {
      LOG.info("ipmi: no sensor names from the SDR ({}); using sensor numbers", result.problem());
    }
  }

  private SelInfo selInfo() throws InterruptedException, CallFailed {
    namesReloadedThisPoll = false;
    IpmiTool.Result result = tool.run(List.of("raw", "0x0a", "0x40"));
    if (!result.ok()) {
      throw new CallFailed(failure(result));
    }
    Optional<SelInfo> info = SelInfo.parse(result.out());
    if (info.isEmpty()) {
      LOG.warn("ipmi: Get SEL Info answered something else: {}", cut(result.out()));
      throw new CallFailed(
          new SourceHealth(
              SourceHealth.Status.DEGRADED,
              tool.connection().describe() + ": Get SEL Info answer not understood"));
    }
    return info.get();
  }

  /** The record with {@code id} (0: the first, 0xffff: the last), empty if there is none. */
  private Optional<SelRecord> entry(int id) throws InterruptedException, CallFailed {
    IpmiTool.Result result =
        tool.run(
            List.of(
                "raw",
                "0x0a",
                "0x43",
                "0x00",
                "0x00",
                hex2(id & 0xff),
                hex2(id >> 8),
                "0x00",
                "0xff"));
    if (!result.ok()) {
      if (result.err().contains("rsp=0xcb")) {
        return Optional.empty(); // "Requested sensor, data, or record not found"
      }
      throw new CallFailed(failure(result));
    }
    Optional<SelRecord> record = SelRecord.parseGetEntry(result.out());
    if (record.isEmpty()) {
      LOG.warn("ipmi: Get SEL Entry {} answered something else: {}", id, cut(result.out()));
      throw new CallFailed(
          new SourceHealth(
              SourceHealth.Status.DEGRADED,
              tool.connection().describe()
                  + ": SEL record "
                  + id
                  + " not understood; retrying at the next poll"));
    }
    return record;
  }

  /** What a failed call says about the BMC, for the operator. */
  SourceHealth failure(IpmiTool.Result result) {
    String where = tool.connection().describe();
    if (result.timedOut()) {
      return SourceHealth.unreachable(
          where
              + " not answering: ipmitool did not finish in "
              + tool.connection().timeoutSeconds()
              + " s and was killed");
    }
    String problem = result.problem();
    if (problem.contains("Unable to establish") || problem.contains("RAKP")) {
      return SourceHealth.unreachable(
          where
              + " not answering or refusing the session ("
              + problem
              + "): check the address, port, user and password file");
    }
    if (problem.contains("Could not open device")) {
      return SourceHealth.unreachable(
          where
              + ": "
              + problem
              + " (load ipmi_devintf and give the agent's user access to /dev/ipmi0)");
    }
    if (result.exit() == 127) {
      return SourceHealth.unreachable(problem + " (install ipmitool)");
    }
    return new SourceHealth(SourceHealth.Status.DEGRADED, where + ": " + problem);
  }

  private void health(SourceHealth health) {
    synchronized (lock) {
      if (closed || health.equals(lastHealth)) {
        return;
      }
      lastHealth = health;
      if (health.status() == SourceHealth.Status.OK) {
        LOG.info("ipmi: {}", health.reason());
      } else {
        LOG.warn("ipmi: {}: {}", health.status(), health.reason());
      }
      listener.onHealth(health);
    }
  }

  private static String cut(String s) {
    String one = s.replaceAll("[^\\x20-\\x7e]", " ").strip();
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }

  private static String hex2(int b) {
    return String.format(Locale.ROOT, "0x%02x", b);
  }

  private static String hex8(long v) {
    return String.format(Locale.ROOT, "%08x", v);
  }
}
