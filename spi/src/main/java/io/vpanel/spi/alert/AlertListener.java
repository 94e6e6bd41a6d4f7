package io.vpanel.spi.alert;

/** Receives alerts. Must return quickly, never block. */
@FunctionalInterface
public interface AlertListener {
  void onAlert(HardwareAlert alert);
}
