package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The shipped rules ({@code docs/prometheus/vpanel-rules.yml}) pass {@code promtool check rules}
 * and their unit tests ({@code vpanel-rules.test.yml}) pass {@code promtool test rules}; every
 * alert has a rule test, and the labels and annotations the Alertmanager receiver and operators
 * need; a broken rule makes the unit tests fail.
 */
class PrometheusRulesTest {
  @TempDir Path temp;
  private Path promtool;

  @BeforeEach
  void findPromtool() {
    Optional<Path> found = Promtool.onPath("promtool");
    Assumptions.assumeTrue(
        found.isPresent(),
        "no promtool on PATH (Debian package prometheus; ./test installs it): skipped");
    promtool = found.get();
  }

  @Test
  void theRulesLoadAndPassTheirUnitTests() throws Exception {
    Promtool.Result check =
        Promtool.run(promtool, Promtool.docs(), "check", "rules", "vpanel-rules.yml");
    assertThat(check.exit()).as("promtool check rules said:\n%s", check.output()).isZero();
    Promtool.Result test =
        Promtool.run(promtool, Promtool.docs(), "test", "rules", "vpanel-rules.test.yml");
    assertThat(test.exit()).as("promtool test rules said:\n%s", test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  @Test
  void everyAlertHasHostSeveritySummaryAndAUnitTest() throws Exception {
    YAMLMapper yaml = YAMLMapper.builder().build();
    JsonNode rules = yaml.readTree(Promtool.docs().resolve("vpanel-rules.yml").toFile());
    String tests = Files.readString(Promtool.docs().resolve("vpanel-rules.test.yml"));
    int alerts = 0;
    for (JsonNode group : rules.get("groups")) {
      for (JsonNode rule : group.get("rules")) {
        if (rule.has("record")) {
          assertThat(tests)
              .as("a test of %s", rule.get("record").asString())
              .contains("expr: " + rule.get("record").asString());
          continue;
        }
        alerts++;
        String name = rule.get("alert").asString();
        assertThat(rule.at("/labels/severity").asString())
            .as(name + " severity")
            .isIn("critical", "warning", "info");
        assertThat(rule.at("/annotations/summary").asString()).as(name + " summary").isNotBlank();
        assertThat(rule.get("expr").asString())
            .as(name + " keeps label host (the receiver shows it on that host's panels)")
            .containsAnyOf("by (host", "by (host)");
        Matcher firing =
            Pattern.compile("alertname: " + name + "\\n\\s+exp_alerts:\\n\\s+- exp_labels:")
                .matcher(tests);
        assertThat(firing.find()).as("a unit test in which %s fires", name).isTrue();
      }
    }
    assertThat(alerts).isGreaterThanOrEqualTo(7);
  }

  @Test
  void aBrokenRuleFailsItsUnitTests() throws Exception {
    String rules = Files.readString(Promtool.docs().resolve("vpanel-rules.yml"));
    String broken = rules.replace("state=\"FAILED\"", "state=\"FAIL\"");
    assertThat(broken).isNotEqualTo(rules);
    Files.writeString(temp.resolve("vpanel-rules.yml"), broken);
    Files.copy(
        Promtool.docs().resolve("vpanel-rules.test.yml"), temp.resolve("vpanel-rules.test.yml"));
    Promtool.Result test = Promtool.run(promtool, temp, "test", "rules", "vpanel-rules.test.yml");
    assertThat(test.exit())
        .as("promtool test rules on a broken rule said:\n%s", test.output())
        .isNotZero();
    assertThat(test.output()).contains("VpanelMaintenanceFailed");
  }
}
