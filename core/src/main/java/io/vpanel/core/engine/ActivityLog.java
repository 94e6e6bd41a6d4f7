package io.vpanel.core.engine;

import io.vpanel.core.journal.Journal;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.spi.Scheduler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What happened, once: each activity goes to the journal and the engine's listeners (the event
 * stream, metrics, the agent's log). Owner thread only.
 */
final class ActivityLog {
  private static final System.Logger log = System.getLogger(ClusterEngine.class.getName());

  private final Scheduler scheduler;
  private final Journal journal;
  private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();

  ActivityLog(Scheduler scheduler, Journal journal) {
    this.scheduler = scheduler;
    this.journal = journal;
  }

  List<ClusterListener> listeners() {
    return listeners;
  }

  void record(String kind, String host, String message, Map<String, Object> fields) {
    // The process log is one of the listeners (the agent's ActivityLogger), so each activity is
    // logged once, with its fields.
    Activity activity = new Activity(kind, host, scheduler.now(), message, fields);
    try {
      journal.record(activity);
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "journal refused an entry", e);
    }
    for (ClusterListener listener : listeners) {
      try {
        listener.onActivity(activity);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "activity listener failed", e);
      }
    }
  }

  static String vms(int count) {
    return count + (count == 1 ? " VM" : " VMs");
  }

  static String reason(Throwable e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
