package io.vpanel.spi;

/** Stops a listener from receiving further callbacks. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
