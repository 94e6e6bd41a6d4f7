package io.vpanel.spi.hypervisor;

/** A migration that has been started. */
public interface MigrationHandle {
  /**
   * Asks the hypervisor to abort the migration. The guest stays on the source; the listener still
   * gets {@link MigrationListener#onFinished} (a failure, or a success if it had already switched
   * over). After a post-copy switch ({@link MigrationProgress#postCopy()}) the guest runs on the
   * destination already: the hypervisor refuses the abort (libvirt does, and the simulator) and the
   * migration goes on; the engine does not ask then.
   */
  void abort();
}
