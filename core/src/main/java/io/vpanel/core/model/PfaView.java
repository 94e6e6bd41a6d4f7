package io.vpanel.core.model;

import io.vpanel.spi.alert.HardwareAlert;
import java.util.List;
import java.util.Optional;

/**
 * How PFA protect stands on one host, for the API: the light's status, whether new guests are kept
 * off the host, why an automatic entry into maintenance is waiting, and the alerts it acts on.
 *
 * @param status the PFA light's status
 * @param quarantined true while an alert keeps new guests off this host
 * @param waiting why the automatic entry into maintenance has not started (a NO-GO, the rate
 *     limit), empty when none is waiting
 * @param alerts the active alerts, newest last
 */
public record PfaView(
    PfaStatus status, boolean quarantined, Optional<String> waiting, List<ActiveAlert> alerts) {

  public PfaView {
    alerts = List.copyOf(alerts);
  }

  /**
   * One active alert.
   *
   * @param alert the alert as its source reported it
   * @param action what its severity is configured to do
   * @param inForce false while it settles (the debounce) and after it cleared until the clear holds
   */
  public record ActiveAlert(HardwareAlert alert, PfaAction action, boolean inForce) {}
}
