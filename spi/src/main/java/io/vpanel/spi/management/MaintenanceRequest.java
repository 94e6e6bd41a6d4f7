package io.vpanel.spi.management;

import io.vpanel.spi.MaintenanceAction;
import java.util.Objects;

/**
 * The management side asks a host to enter, exit or cancel maintenance (vCenter's "enter
 * maintenance mode", an operator's console).
 *
 * @param host the host it is for
 * @param action what to do
 * @param from who asked, recorded as the origin {@code management:<from>}
 */
public record MaintenanceRequest(String host, MaintenanceAction action, String from) {
  public MaintenanceRequest {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(from, "from");
  }
}
