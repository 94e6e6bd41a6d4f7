package io.vpanel.spi.alert;

/** Receives what an alert source reports. Must return quickly, never block; any thread. */
public interface AlertListener {
  /**
   * One alert, and the cursor that points just past its record. Core records the alert and the
   * cursor together in the journal, so after a restart the source resumes from the cursor without
   * missing or repeating a record.
   *
   * @param cursor the source's own position after this record (opaque to core), never null
   */
  void onAlert(HardwareAlert alert, String cursor);

  /** The source's own health changed. */
  void onHealth(SourceHealth health);
}
