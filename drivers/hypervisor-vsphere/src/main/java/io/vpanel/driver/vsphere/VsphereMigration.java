package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One vMotion: RelocateVM_Task to the destination host, its {@code info.progress} reported as
 * progress (a share of the guest's memory: vSphere tells percent, not bytes), one outcome. {@link
 * #abort} calls CancelTask once the task exists (an abort that comes while the call is still on its
 * way cancels the task as soon as it is known). After a success the guest's {@code runtime.host} is
 * read back: only a guest that runs on the destination counts as moved.
 */
final class VsphereMigration implements MigrationHandle {
  private static final Logger log = LoggerFactory.getLogger(VsphereMigration.class);

  private final Vim vim;
  private final VsphereSettings settings;
  private final InstantSource clock;
  private final Guest guest;
  private final GuestWatch.HostState destination;
  private final String destinationName;
  private final MigrationListener listener;
  private final long totalBytes;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicBoolean abortRequested = new AtomicBoolean();
  private final AtomicBoolean cancelSent = new AtomicBoolean();
  private final AtomicReference<MoRef> task = new AtomicReference<>();
  private volatile long lastProcessed = 0;

  /** A task started before (found again after the agent restarted), or null to start one. */
  private final MoRef existingTask;

  VsphereMigration(
      Vim vim,
      VsphereSettings settings,
      InstantSource clock,
      Guest guest,
      GuestWatch.HostState destination,
      String destinationName,
      MigrationListener listener) {
    this(vim, settings, clock, guest, destination, destinationName, listener, null);
  }

  /**
   * {@code destination} null: a task found running whose destination vCenter did not say; after
   * success the guest must run on another host than the one it left.
   */
  VsphereMigration(
      Vim vim,
      VsphereSettings settings,
      InstantSource clock,
      Guest guest,
      GuestWatch.HostState destination,
      String destinationName,
      MigrationListener listener,
      MoRef existingTask) {
    this.existingTask = existingTask;
    this.vim = vim;
    this.settings = settings;
    this.clock = clock;
    this.guest = guest;
    this.destination = destination;
    this.destinationName = destinationName;
    this.listener = listener;
    this.totalBytes = Math.max(1, guest.memoryMiB()) * 1024L * 1024L;
  }

  void start() {
    Thread.ofVirtual().name("vsphere-migrate-" + guest.name()).start(this::run);
  }

  private void run() {
    try {
      MoRef started =
          existingTask != null
              ? existingTask
              : vim.startTask(
                  SoapBody.call("RelocateVM_Task", guest.ref())
                      .start("spec")
                      .ref("host", destination.ref())
                      .end()
                      .text("priority", settings.migrationPriority()));
      task.set(started);
      log.info(
          "vMotion of {} to {}: {}{}",
          guest.name(),
          destinationName,
          started,
          existingTask != null ? " (running before; followed again)" : "");
      if (abortRequested.get()) {
        cancel(started);
      }
      TaskWatch.End end =
          TaskWatch.await(
              vim,
              started,
              settings.waitSeconds(),
              Duration.ofSeconds(settings.requestTimeoutSeconds()),
              this::progress,
              () -> finished.get());
      if (!end.success()) {
        String why =
            switch (end.faultType()) {
              case "RequestCanceled" ->
                  "vMotion of " + guest.name() + " was cancelled (" + end.message() + ")";
              default ->
                  "vMotion of "
                      + guest.name()
                      + " to "
                      + destinationName
                      + " failed: "
                      + end.faultType()
                      + (end.message().equals(end.faultType()) ? "" : " (" + end.message() + ")");
            };
        finish(
            MigrationOutcome.failure(
                abortRequested.get() ? "aborted: " + why : why, lastProcessed, 1));
        return;
      }
      MoRef now = currentHost();
      boolean arrived =
          destination == null
              ? now != null && !now.equals(guest.host())
              : destination.ref().equals(now);
      if (!arrived) {
        finish(
            MigrationOutcome.failure(
                "RelocateVM_Task of "
                    + guest.name()
                    + " succeeded but the guest runs on "
                    + now
                    + ", not "
                    + destinationName,
                lastProcessed,
                1));
        return;
      }
      progress(100);
      finish(MigrationOutcome.success(totalBytes, 1, Duration.ZERO));
    } catch (DriverException e) {
      finish(
          MigrationOutcome.failure(
              "vMotion of " + guest.name() + " to " + destinationName + ": " + e.getMessage(),
              lastProcessed,
              1));
    } catch (RuntimeException e) {
      log.warn("vMotion of {} failed unexpectedly", guest.name(), e);
      finish(MigrationOutcome.failure("vMotion of " + guest.name() + ": " + e, lastProcessed, 1));
    }
  }

  private MoRef currentHost() {
    for (ObjectUpdate u :
        vim.retrieve(
            java.util.Map.of("VirtualMachine", java.util.List.of("runtime.host")),
            guest.ref(),
            false)) {
      Guest read = Guest.empty(guest.ref()).apply(u.changes());
      return read.host();
    }
    return null;
  }

  private void progress(int percent) {
    if (finished.get()) {
      return;
    }
    long processed = Math.max(lastProcessed, totalBytes * percent / 100);
    lastProcessed = processed;
    listener.onProgress(
        new MigrationProgress(
            processed, totalBytes - processed, totalBytes, 0, 0, 0, clock.instant()));
  }

  private void finish(MigrationOutcome outcome) {
    if (finished.compareAndSet(false, true)) {
      log.info(
          "vMotion of {} to {}: {}",
          guest.name(),
          destinationName,
          outcome.succeeded() ? "done" : outcome.reason());
      listener.onFinished(outcome);
    }
  }

  @Override
  public void abort() {
    abortRequested.set(true);
    MoRef started = task.get();
    if (started != null) {
      Thread.ofVirtual().name("vsphere-cancel-" + guest.name()).start(() -> cancel(started));
    }
  }

  private void cancel(MoRef started) {
    if (!cancelSent.compareAndSet(false, true)) {
      return;
    }
    try {
      vim.client().call(SoapBody.call("CancelTask", started));
      log.info("vMotion of {}: CancelTask {} sent", guest.name(), started);
    } catch (DriverException e) {
      // the task may have ended already (InvalidState) or not be cancellable (NotSupported)
      log.info("vMotion of {}: CancelTask {} refused: {}", guest.name(), started, e.getMessage());
    }
  }
}
