package io.vpanel.spi.alert;

import java.util.Optional;

/**
 * A source of hardware alerts for this host (IPMI SEL, Redfish events, ...). Reading may block; a
 * source reads on its own (virtual) thread and reports through its listener.
 */
public interface AlertSource extends AutoCloseable {

  /** The source's name ({@code ipmi}, {@code redfish}): the origin of what it triggers. */
  String name();

  /**
   * Starts watching; alerts and health go to {@code listener} until {@link #close()}.
   *
   * @param resumeAfter the cursor of the last alert core recorded durably, empty on the first
   *     start: the source reports every record after it (and none before), or, with no cursor, the
   *     conditions active now
   */
  void start(Optional<String> resumeAfter, AlertListener listener);

  @Override
  void close();
}
