package io.vpanel.spi.hypervisor;

/**
 * Receives a migration's progress and its end. Called from the driver's thread: must return
 * quickly, never block. {@link #onFinished} is called exactly once.
 */
public interface MigrationListener {
  void onProgress(MigrationProgress progress);

  void onFinished(MigrationOutcome outcome);
}
