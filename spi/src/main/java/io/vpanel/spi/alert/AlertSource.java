package io.vpanel.spi.alert;

/** A source of hardware alerts for this host (IPMI SEL, Redfish events, ...). */
public interface AlertSource extends AutoCloseable {
  /** Starts watching; alerts go to {@code listener} until {@link #close()}. */
  void start(AlertListener listener);

  @Override
  void close();
}
