package io.vpanel.driver.ipmi;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.testkit.AlertSourceContract;
import io.vpanel.testkit.WallClockScheduler;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The alert source contract against a real ipmi_sim, one fresh BMC per test. */
class IpmiAlertSourceContractTest extends AlertSourceContract {
  @TempDir Path dir;
  private IpmiSimBmc bmc;
  private final WallClockScheduler scheduler = new WallClockScheduler();

  @BeforeEach
  void startBmc() throws Exception {
    bmc = IpmiSimBmc.start(dir);
  }

  @AfterEach
  void stopBmc() throws Exception {
    bmc.close();
    scheduler.close();
  }

  @Override
  protected AlertSource createSource() {
    return new IpmiAlertSourceProvider()
        .create(bmc.settings(), new DriverContext(scheduler, "sim-01"));
  }

  @Override
  protected void assertOnPeer() throws Exception {
    bmc.dimmEccLimit(true);
  }

  @Override
  protected void clearOnPeer() throws Exception {
    bmc.dimmEccLimit(false);
  }

  @Override
  protected boolean clearLogOnPeer() throws Exception {
    bmc.ipmitool("sel", "clear");
    return true;
  }
}
