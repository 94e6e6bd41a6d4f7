package io.vpanel.spi.hypervisor;

/** A migration that has been started. */
public interface MigrationHandle {
  /**
   * Asks the hypervisor to abort the migration. The guest stays on the source; the listener still
   * gets {@link MigrationListener#onFinished} (a failure, or a success if it had already switched
   * over).
   */
  void abort();
}
