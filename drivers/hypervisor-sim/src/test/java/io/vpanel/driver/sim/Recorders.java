package io.vpanel.driver.sim;

import io.vpanel.spi.Scheduler;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.HypervisorListener;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Listeners that keep what they hear, and the host shapes the model tests use. */
final class Recorders {

  static final long NIC_10G = Sizes.bytesPerSecond(10);
  static final long STREAM_4G = Sizes.bytesPerSecond(4);

  private Recorders() {}

  /** A host with room to spare, a 10 Gbit/s NIC and 4 Gbit/s streams (500 MB/s). */
  static HostCapacity roomyHost() {
    return new HostCapacity(256 * Sizes.GIB, 64, NIC_10G, STREAM_4G);
  }

  static final class Migration implements MigrationListener {
    final List<MigrationProgress> progress = new ArrayList<>();
    final List<MigrationOutcome> outcomes = new ArrayList<>();
    private final Scheduler scheduler;
    MigrationHandle handle;
    Instant finishedAt;

    Migration(Scheduler scheduler) {
      this.scheduler = scheduler;
    }

    @Override
    public void onProgress(MigrationProgress report) {
      progress.add(report);
    }

    @Override
    public void onFinished(MigrationOutcome outcome) {
      outcomes.add(outcome);
      finishedAt = scheduler.now();
    }

    boolean finished() {
      return !outcomes.isEmpty();
    }

    MigrationOutcome outcome() {
      if (outcomes.size() != 1) {
        throw new AssertionError("expected one onFinished, got " + outcomes);
      }
      return outcomes.get(0);
    }

    MigrationProgress lastProgress() {
      return progress.get(progress.size() - 1);
    }
  }

  static final class Events implements HypervisorListener {
    final List<HypervisorEvent> events = new ArrayList<>();

    @Override
    public void onEvent(HypervisorEvent event) {
      events.add(event);
    }

    <T extends HypervisorEvent> List<T> ofType(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }
}
