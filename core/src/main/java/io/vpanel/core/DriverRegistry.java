package io.vpanel.core;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.DriverProvider;
import java.util.List;
import java.util.ServiceLoader;

/** Finds driver providers with {@link ServiceLoader} and picks one by its configured name. */
public final class DriverRegistry {
  private DriverRegistry() {}

  /** Every provider of {@code type} on the class path, sorted by name. */
  @SuppressWarnings("rawtypes")
  public static <P extends DriverProvider> List<P> all(Class<P> type) {
    return ServiceLoader.load(type).stream()
        .map(ServiceLoader.Provider::get)
        .sorted((a, b) -> a.name().compareTo(b.name()))
        .toList();
  }

  /** The names of the providers of {@code type}. */
  @SuppressWarnings("rawtypes")
  public static <P extends DriverProvider> List<String> names(Class<P> type) {
    return all(type).stream().map(DriverProvider::name).toList();
  }

  /**
   * The provider of {@code type} called {@code name}; an unknown name fails with the known ones.
   *
   * @param kind how the operator calls this kind of driver, for the message ("panel driver")
   */
  @SuppressWarnings("rawtypes")
  public static <P extends DriverProvider> P find(Class<P> type, String kind, String name) {
    List<P> providers = all(type);
    return providers.stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new DriverException(
                    "unknown "
                        + kind
                        + " '"
                        + name
                        + "' ("
                        + (providers.isEmpty()
                            ? "no " + kind + " is installed in this build"
                            : "known: "
                                + String.join(
                                    ", ", providers.stream().map(DriverProvider::name).toList()))
                        + ")"));
  }
}
