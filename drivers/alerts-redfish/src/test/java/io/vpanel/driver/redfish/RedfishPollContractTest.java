package io.vpanel.driver.redfish;

/** The alert source contract over polling of the log, with basic authentication. */
class RedfishPollContractTest extends RedfishSseContractTest {
  @Override
  protected String mode() {
    return "poll";
  }

  @Override
  protected String auth() {
    return "basic";
  }
}
