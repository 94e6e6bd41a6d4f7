package io.vpanel.driver.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.HardwareAlert;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ClassifierTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static HardwareAlert classify(String json) {
    JsonNode node = RedfishClient.JSON.readTree(json);
    return Classifier.classify(node, "redfish", NOW);
  }

  @Test
  void aCriticalEventIsCriticalAndAssertedWithItsOriginAsComponent() {
    HardwareAlert alert =
        classify(
            """
            {"EventId":"7","EventTimestamp":"2026-03-01T10:00:00+01:00","MessageSeverity":"Critical",
             "MessageId":"ResourceEvent.1.0.ResourceErrorsDetected",
             "Message":"The resource property PSU 2 has detected errors of type 'Input lost'.",
             "OriginOfCondition":{"@odata.id":"/redfish/v1/Chassis/1/PowerSubsystem/PowerSupplies/2"}}
            """);
    assertThat(alert.severity()).isEqualTo(AlertSeverity.CRITICAL);
    assertThat(alert.asserted()).isTrue();
    assertThat(alert.component()).isEqualTo("PowerSupplies 2");
    assertThat(alert.cause()).startsWith("The resource property PSU 2");
    assertThat(alert.at()).isEqualTo(Instant.parse("2026-03-01T09:00:00Z"));
    assertThat(alert.id())
        .isEqualTo(
            "redfish:/redfish/v1/Chassis/1/PowerSubsystem/PowerSupplies/2:"
                + "ResourceEvent.ResourceErrors");
  }

  @Test
  void theCorrectedMessageClearsUnderTheSameIdWhateverTheRegistryVersion() {
    HardwareAlert raised =
        classify(
            """
            {"MessageSeverity":"Warning","MessageId":"ResourceEvent.1.0.ResourceErrorsDetected",
             "Message":"errors","OriginOfCondition":{"@odata.id":"/redfish/v1/Systems/1/Memory/DIMM1"}}
            """);
    HardwareAlert cleared =
        classify(
            """
            {"Severity":"OK","MessageId":"ResourceEvent.1.3.ResourceErrorsCorrected",
             "Message":"corrected","Links":{"OriginOfCondition":{"@odata.id":"/redfish/v1/Systems/1/Memory/DIMM1"}}}
            """);
    assertThat(raised.asserted()).isTrue();
    assertThat(cleared.asserted()).isFalse();
    assertThat(cleared.id()).isEqualTo(raised.id());
    assertThat(cleared.severity()).isEqualTo(AlertSeverity.INFO);
    assertThat(raised.component()).isEqualTo("Memory DIMM1");
  }

  @Test
  void thresholdAndStatusPairsShareAnId() {
    String origin = ",\"OriginOfCondition\":{\"@odata.id\":\"/redfish/v1/Chassis/1/Thermal\"}}";
    HardwareAlert exceeded =
        classify(
            "{\"MessageSeverity\":\"Warning\",\"MessageId\":\"ResourceEvent.1.0.ResourceErrorThresholdExceeded\""
                + origin);
    HardwareAlert clearedThreshold =
        classify(
            "{\"MessageSeverity\":\"OK\",\"MessageId\":\"ResourceEvent.1.0.ResourceErrorThresholdCleared\""
                + origin);
    HardwareAlert critical =
        classify(
            "{\"MessageSeverity\":\"Critical\",\"MessageId\":\"ResourceEvent.1.0.ResourceStatusChangedCritical\""
                + origin);
    HardwareAlert ok =
        classify(
            "{\"MessageSeverity\":\"OK\",\"MessageId\":\"ResourceEvent.1.0.ResourceStatusChangedOK\""
                + origin);
    assertThat(clearedThreshold.id()).isEqualTo(exceeded.id());
    assertThat(clearedThreshold.asserted()).isFalse();
    assertThat(ok.id()).isEqualTo(critical.id());
    assertThat(ok.asserted()).isFalse();
    assertThat(critical.asserted()).isTrue();
    assertThat(exceeded.cause()).isEqualTo("ResourceEvent.1.0.ResourceErrorThresholdExceeded");
  }

  @Test
  void aPredictiveWarningIsAPredictiveFailure() {
    assertThat(
            classify(
                    "{\"Severity\":\"Warning\",\"MessageId\":\"Platform.1.0.DrivePredictiveFailure\","
                        + "\"Message\":\"Drive 3 reports a predicted failure\",\"SensorType\":\"Drive Slot/Bay\"}")
                .severity())
        .isEqualTo(AlertSeverity.PREDICTIVE_FAILURE);
    assertThat(
            classify(
                    "{\"Severity\":\"Warning\",\"MessageId\":\"X.1.0.Y\","
                        + "\"Message\":\"Correctable ECC: Predictive Failure threshold\"}")
                .severity())
        .isEqualTo(AlertSeverity.PREDICTIVE_FAILURE);
    assertThat(classify("{\"Severity\":\"Warning\",\"MessageId\":\"X.1.0.FanSlow\"}").severity())
        .isEqualTo(AlertSeverity.WARNING);
    assertThat(classify("{\"Severity\":\"Critical\",\"Message\":\"predictive\"}").severity())
        .isEqualTo(AlertSeverity.CRITICAL);
  }

  @Test
  void anOkResolvedMessageClearsAndTheSensorIsTheComponentWithoutAnOrigin() {
    HardwareAlert alert =
        classify(
            "{\"Severity\":\"OK\",\"Message\":\"Fan 2 failure resolved\",\"SensorType\":\"Fan\","
                + "\"Created\":\"2026-02-02T02:02:02Z\"}");
    assertThat(alert.asserted()).isFalse();
    assertThat(alert.component()).isEqualTo("Fan");
    assertThat(alert.at()).isEqualTo(Instant.parse("2026-02-02T02:02:02Z"));
    assertThat(alert.id()).startsWith("redfish:Fan:message:");
  }

  @Test
  void causesArePrintableAndBoundedAndNothingGivesASafeDefault() {
    HardwareAlert alert =
        classify(
            "{\"Severity\":\"Warning\",\"Message\":\"a\\u0000b\\u001b[31m\\nc "
                + "x".repeat(500)
                + "\"}");
    assertThat(alert.cause()).hasSizeLessThanOrEqualTo(Classifier.MAX_CAUSE);
    assertThat(alert.cause()).doesNotContainPattern("\\p{Cntrl}");
    HardwareAlert empty = classify("{}");
    assertThat(empty.cause()).isNotBlank();
    assertThat(empty.component()).isEqualTo("system");
    assertThat(empty.at()).isEqualTo(NOW);
    assertThat(empty.severity()).isEqualTo(AlertSeverity.WARNING);
  }

  @Test
  void cursorsRoundTripAndForeignOnesAreRefused() {
    Cursor cursor = new Cursor("12", "2026-01-01T00:00:00.001Z", "a;b=c");
    assertThat(Cursor.parse(cursor.text())).contains(cursor);
    assertThat(Cursor.parse("sel:0x12")).isEmpty();
    assertThat(Cursor.parse("redfish1;bogus=1")).isEmpty();
  }
}
