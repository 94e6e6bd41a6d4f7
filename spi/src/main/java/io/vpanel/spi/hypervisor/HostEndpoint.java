package io.vpanel.spi.hypervisor;

import java.util.Objects;

/**
 * How to reach one host's hypervisor.
 *
 * @param name the host's name in vpanel
 * @param uri how vpanel reads and drives that host (for example {@code qemu+tcp://10.0.0.9/system})
 * @param migrationUri where other hosts send guests to it; may equal {@code uri}
 */
public record HostEndpoint(String name, String uri, String migrationUri) {
  public HostEndpoint {
    Objects.requireNonNull(name, "name");
    uri = uri == null ? "" : uri;
    migrationUri = migrationUri == null || migrationUri.isBlank() ? uri : migrationUri;
  }
}
