package io.vpanel.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.web.AlertmanagerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code api.alertmanager}: its defaults, its values, and each mistake with file and line. */
class AlertmanagerConfigTest {
  @TempDir Path dir;

  private final ConfigLoader loader = new ConfigLoader();

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  private String refusal(String name, String text) throws IOException {
    Path file = write(name, text);
    try {
      loader.load(file);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).contains(file.toString());
      return e.getMessage();
    }
    throw new AssertionError("expected " + name + " to be refused:\n" + text);
  }

  @Test
  void withoutTheSectionTheReceiverUsesItsDefaults() throws IOException {
    AgentConfig config = loader.load(write("none.yaml", "hypervisor:\n  driver: sim\n"));
    assertThat(config.api().alertmanager()).isEqualTo(AlertmanagerSettings.defaults());
    assertThat(config.api().alertmanager().hostLabels())
        .containsExactly("host", "instance", "hostname");
    assertThat(config.api().alertmanager().noticeTtl()).isEqualTo(Duration.ofHours(4));
  }

  @Test
  void theLabelsAndTheNoticeTimeAreRead() throws IOException {
    AgentConfig config =
        loader.load(
            write(
                "am.yaml",
                """
                hypervisor:
                  driver: sim
                api:
                  alertmanager:
                    hostLabels: [nodename, instance]
                    noticeTtlMinutes: 90
                """));
    assertThat(config.api().alertmanager())
        .isEqualTo(
            new AlertmanagerSettings(List.of("nodename", "instance"), Duration.ofMinutes(90)));
  }

  @Test
  void eachMistakeIsRefusedWithItsLineAndTheFix() throws IOException {
    String head = "hypervisor:\n  driver: sim\napi:\n  alertmanager:\n";
    assertThat(refusal("key.yaml", head + "    labels: [host]\n"))
        .contains("key.yaml:5:")
        .contains("unknown key 'labels'")
        .contains("hostLabels, noticeTtlMinutes");
    assertThat(refusal("bad-label.yaml", head + "    hostLabels: [host, 9lives]\n"))
        .contains("bad-label.yaml:5:")
        .contains("'9lives' is not a label name");
    assertThat(refusal("empty.yaml", head + "    hostLabels: []\n"))
        .contains("empty.yaml:5:")
        .contains("hostLabels needs 1 to 16 label names");
    assertThat(refusal("twice.yaml", head + "    hostLabels: [host, host]\n"))
        .contains("names a label twice");
    assertThat(refusal("notlist.yaml", head + "    hostLabels: host\n"))
        .contains("notlist.yaml:5:")
        .contains("must be a list of strings");
    assertThat(refusal("ttl.yaml", head + "    noticeTtlMinutes: 20000\n"))
        .contains("ttl.yaml:5:")
        .contains("api.alertmanager.noticeTtlMinutes must be a whole number from 1 to 10080");
    assertThat(refusal("scalar.yaml", "hypervisor:\n  driver: sim\napi:\n  alertmanager: yes\n"))
        .contains("scalar.yaml:4:")
        .contains("'api.alertmanager' must be a mapping");
  }
}
