package io.vpanel.driver.redfish;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.testkit.RedfishMock;
import io.vpanel.testkit.TestCertificates;
import io.vpanel.testkit.WallClockScheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A mock Redfish service, a credentials file for it, and sources or panels made against it. */
final class RedfishFixture implements AutoCloseable {
  static final String PSU = "/redfish/v1/Chassis/1/PowerSubsystem/PowerSupplies/2";

  final RedfishMock mock;
  final Path credentials;
  final WallClockScheduler scheduler = new WallClockScheduler();
  private final Path dir;

  RedfishFixture(Path dir) throws IOException {
    this.dir = dir;
    mock = RedfishMock.start(dir);
    credentials = dir.resolve("redfish-credentials");
    Files.writeString(credentials, RedfishMock.USER + ":" + mock.password() + "\n");
    TestCertificates.ownerOnly(credentials);
  }

  RedfishSettings settings(String mode, String auth) {
    return RedfishSettings.defaults()
        .withService(mock.uri(), mock.caFile().toString(), credentials.toString())
        .withMode(mode, auth)
        .withTimes(1, 3, 1000, 1);
  }

  AlertSource source(RedfishSettings settings) {
    return new RedfishAlertSourceProvider()
        .create(settings, new DriverContext(scheduler, "host-1"));
  }

  Path dir() {
    return dir;
  }

  void psuLost() {
    mock.event(
        "Critical",
        "ResourceEvent.1.0.ResourceErrorsDetected",
        "The resource property PowerSupplies 2 has detected errors of type 'Input lost'.",
        PSU);
  }

  void psuBack() {
    mock.event(
        "OK",
        "ResourceEvent.1.0.ResourceErrorsCorrected",
        "The resource property PowerSupplies 2 has corrected errors of type 'Input lost'.",
        PSU);
  }

  @Override
  public void close() {
    mock.close();
    scheduler.close();
  }
}
