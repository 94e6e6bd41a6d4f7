package io.vpanel.testkit;

import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import java.time.Instant;

/** The alert source contract against the in-memory event log: the contract can pass. */
class InMemoryAlertSourceContractTest extends AlertSourceContract {
  private final InMemoryAlertSource.Log log = new InMemoryAlertSource.Log();

  @Override
  protected AlertSource createSource() {
    return new InMemoryAlertSource("memory", log);
  }

  private static HardwareAlert dimm(boolean asserted) {
    return new HardwareAlert(
        "dimm-a1-ecc",
        "memory",
        AlertSeverity.PREDICTIVE_FAILURE,
        asserted,
        "DIMM A1",
        "correctable ECC over threshold",
        Instant.EPOCH);
  }

  @Override
  protected void assertOnPeer() {
    log.append(dimm(true));
  }

  @Override
  protected void clearOnPeer() {
    log.append(dimm(false));
  }

  @Override
  protected boolean clearLogOnPeer() {
    log.clear();
    return true;
  }
}
