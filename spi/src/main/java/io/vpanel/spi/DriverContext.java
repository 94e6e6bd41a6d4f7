package io.vpanel.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a driver gets from the agent when it is created.
 *
 * @param scheduler the clock and the owning thread; callbacks into the agent go through it
 * @param localHost the name of the host this agent runs on (the demo runs several)
 * @param services what the agent offers drivers that need more than the scheduler, by type (the web
 *     panel finds the API's panel endpoint here)
 */
public record DriverContext(Scheduler scheduler, String localHost, Map<Class<?>, Object> services) {

  public DriverContext {
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(localHost, "localHost");
    services = Map.copyOf(services);
    services.forEach(
        (type, service) -> {
          if (!type.isInstance(service)) {
            throw new IllegalArgumentException(service + " is not a " + type.getName());
          }
        });
  }

  public DriverContext(Scheduler scheduler, String localHost) {
    this(scheduler, localHost, Map.of());
  }

  /** The service of this type the agent offers, if any. */
  public <T> Optional<T> service(Class<T> type) {
    return Optional.ofNullable(services.get(type)).map(type::cast);
  }

  /** This context with one more service. */
  public <T> DriverContext with(Class<T> type, T service) {
    java.util.HashMap<Class<?>, Object> more = new java.util.HashMap<>(services);
    more.put(type, service);
    return new DriverContext(scheduler, localHost, more);
  }
}
