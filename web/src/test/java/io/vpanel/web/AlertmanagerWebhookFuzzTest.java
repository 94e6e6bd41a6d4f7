package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.testkit.FuzzInputs;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzzes {@link AlertmanagerWebhook} (docs/FUZZING.md), Alertmanager's payload as the receiver
 * reads it: it answers a payload or refuses it with the API's error (a 400 with a bounded reason),
 * never another exception; what it reads is fit for a panel (printable text of at most 200
 * characters, a key of letters and digits) and names only a host it was told is known.
 */
class AlertmanagerWebhookFuzzTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Set<String> KNOWN = Set.of("sim-01", "sim-02", "::1");

  @FuzzTest(maxDuration = "2m")
  void payload(FuzzedDataProvider data) {
    checkPayload(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRun() {
    FuzzInputs.run(getClass(), "payload", 1500, AlertmanagerWebhookFuzzTest::checkPayload);
  }

  static void checkPayload(byte[] input) {
    JsonNode body;
    try {
      body = JSON.readTree(FuzzInputs.text(input));
    } catch (JacksonException e) {
      return; // the route refuses it before the parser (malformed JSON)
    }
    if (body == null || !body.isObject()) {
      return;
    }
    AlertmanagerWebhook.Payload payload;
    try {
      payload = AlertmanagerWebhook.parse(body);
    } catch (ApiServer.ApiError e) {
      assertThat(e.status).isEqualTo(400);
      assertThat(ApiLimits.message(e.getMessage())).isNotBlank();
      return;
    }
    assertThat(payload.from()).startsWith("alertmanager:").hasSizeLessThanOrEqualTo(64);
    for (AlertmanagerWebhook.Alert alert : payload.alerts()) {
      assertThat(alert.text()).isNotBlank().hasSizeLessThanOrEqualTo(200);
      alert
          .text()
          .codePoints()
          .forEach(
              c ->
                  assertThat(
                          Character.isISOControl(c)
                              || Character.getType(c) == Character.FORMAT
                              || Character.getType(c) == Character.SURROGATE)
                      .as("character U+%04X in %s", c, alert.text())
                      .isFalse());
      assertThat(alert.key()).matches("alertmanager:[0-9A-Za-z]{1,64}");
      AlertmanagerWebhook.host(alert, List.of("host", "instance", "hostname"), KNOWN::contains)
          .ifPresent(host -> assertThat(KNOWN).contains(host));
    }
  }
}
