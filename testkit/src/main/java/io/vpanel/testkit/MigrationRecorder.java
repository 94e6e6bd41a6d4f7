package io.vpanel.testkit;

import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import java.util.ArrayList;
import java.util.List;

/**
 * A migration listener that keeps what it hears, for tests of drivers and of the engine. Safe to
 * read from the test thread while a driver's thread reports: every read returns a copy.
 */
public final class MigrationRecorder implements MigrationListener {
  private final List<MigrationProgress> progress = new ArrayList<>();
  private final List<MigrationOutcome> outcomes = new ArrayList<>();
  private int progressAfterFinish;
  private volatile MigrationHandle handle;

  @Override
  public synchronized void onProgress(MigrationProgress report) {
    if (!outcomes.isEmpty()) {
      progressAfterFinish++;
    }
    progress.add(report);
  }

  @Override
  public synchronized void onFinished(MigrationOutcome outcome) {
    outcomes.add(outcome);
  }

  /** Keeps the handle {@code migrate} returned for this listener, and returns this recorder. */
  public MigrationRecorder keep(MigrationHandle handle) {
    this.handle = handle;
    return this;
  }

  /** The handle given to {@link #keep}. */
  public MigrationHandle handle() {
    if (handle == null) {
      throw new IllegalStateException("no handle kept: call keep(migrate(...)) first");
    }
    return handle;
  }

  /** Every progress report so far, oldest first. */
  public synchronized List<MigrationProgress> progress() {
    return List.copyOf(progress);
  }

  /** The newest progress report. */
  public synchronized MigrationProgress lastProgress() {
    if (progress.isEmpty()) {
      throw new AssertionError("no progress reported");
    }
    return progress.get(progress.size() - 1);
  }

  /** Every {@code onFinished} so far; a correct driver calls it once. */
  public synchronized List<MigrationOutcome> outcomes() {
    return List.copyOf(outcomes);
  }

  public synchronized boolean finished() {
    return !outcomes.isEmpty();
  }

  public synchronized int finishedCount() {
    return outcomes.size();
  }

  /** Progress reports that came after {@code onFinished}; a correct driver sends none. */
  public synchronized int progressAfterFinish() {
    return progressAfterFinish;
  }

  /** The one outcome; fails when the migration finished never or more than once. */
  public synchronized MigrationOutcome outcome() {
    if (outcomes.size() != 1) {
      throw new AssertionError("expected one onFinished, got " + outcomes);
    }
    return outcomes.get(0);
  }
}
