package io.vpanel.driver.redfish;

import io.vpanel.spi.alert.AlertSource;
import io.vpanel.testkit.AlertSourceContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The alert source contract over the mock's server-sent events, with a session. */
class RedfishSseContractTest extends AlertSourceContract {
  @TempDir Path dir;
  RedfishFixture fixture;

  @BeforeEach
  void startService() throws Exception {
    fixture = new RedfishFixture(dir);
  }

  @AfterEach
  void stopService() {
    fixture.close();
  }

  protected String mode() {
    return "sse";
  }

  protected String auth() {
    return "session";
  }

  @Override
  protected AlertSource createSource() {
    return fixture.source(fixture.settings(mode(), auth()));
  }

  @Override
  protected void assertOnPeer() {
    fixture.psuLost();
  }

  @Override
  protected void clearOnPeer() {
    fixture.psuBack();
  }

  @Override
  protected boolean clearLogOnPeer() {
    fixture.mock.clearLog();
    return true;
  }
}
