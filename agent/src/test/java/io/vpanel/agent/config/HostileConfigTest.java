package io.vpanel.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration file an operator got wrong, or someone wrote to hurt: each is refused at once
 * with the file, the line where it can be known, and what to do — never a stack trace, never an
 * {@code OutOfMemoryError}, never a silent merge.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostileConfigTest {
  @TempDir Path dir;
  private final ConfigLoader loader = new ConfigLoader();

  private String refusal(String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    try {
      loader.load(file);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).contains(file.toString());
      return e.getMessage();
    }
    throw new AssertionError(name + " was accepted");
  }

  private String refusal(String name, String text) throws IOException {
    return refusal(name, text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aTenMegabyteFileIsRefusedBeforeItIsParsed() throws IOException {
    String scalar = "x".repeat(10 * 1024 * 1024);
    assertThat(refusal("huge.yaml", "hypervisor:\n  driver: sim\nhost:\n  name: " + scalar + "\n"))
        .contains("too large for a configuration")
        .contains("at most " + ConfigLoader.MAX_FILE_BYTES);
  }

  @Test
  void aLongScalarInASmallFileIsRefusedWithItsLine() throws IOException {
    String scalar = "y".repeat(LocatedYaml.MAX_SCALAR_CHARS + 1);
    assertThat(
            refusal("scalar.yaml", "hypervisor:\n  driver: sim\nhost:\n  name: " + scalar + "\n"))
        .contains("scalar.yaml:")
        .contains("not valid YAML")
        .containsIgnoringCase("length");
  }

  @Test
  void deepNestingIsRefused() throws IOException {
    StringBuilder yaml = new StringBuilder("hypervisor:\n  driver: sim\nhost:\n  name: ");
    yaml.append("[".repeat(200)).append("]".repeat(200)).append('\n');
    assertThat(refusal("deep.yaml", yaml.toString())).contains("deep.yaml:");
  }

  @Test
  void aSecondDocumentIsRefused() throws IOException {
    assertThat(refusal("two.yaml", "hypervisor:\n  driver: sim\n---\nhost:\n  name: other\n"))
        .contains("two.yaml:4:")
        .contains("a second YAML document");
  }

  @Test
  void aKeyGivenTwiceIsRefusedWithBothLines() throws IOException {
    assertThat(refusal("dup.yaml", "hypervisor:\n  driver: sim\n  hosts: 4\n  hosts: 5\n"))
        .contains("dup.yaml:4:")
        .contains("'hosts' is given twice in 'hypervisor' (first at line 3)");
    assertThat(
            refusal(
                "section.yaml",
                "hypervisor:\n  driver: sim\napi:\n  listen: 127.0.0.1:1\napi:\n  listen: 127.0.0.1:2\n"))
        .contains("section.yaml:5:")
        .contains("'api' is given twice at the top level (first at line 3)");
  }

  @Test
  void anAliasIsRefusedNotReadAsItsAnchorsName() throws IOException {
    assertThat(refusal("alias.yaml", "hypervisor:\n  driver: &d sim\nhost:\n  name: *d\n"))
        .contains("alias.yaml:4:")
        .contains("aliases (*name) are not supported");
  }

  @Test
  void aFileThatIsNotUtf8IsReportedAsSuchWithTheLine() throws IOException {
    byte[] latin1 =
        "hypervisor:\n  driver: sim\nhost:\n  name: caf\u00e9\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    assertThat(refusal("latin1.yaml", latin1))
        .contains("latin1.yaml:4:")
        .contains("not UTF-8 text")
        .doesNotContain("check the path");
  }

  @Test
  void aDirectoryOrAMissingFileSaysSo() throws IOException {
    assertThatThrownBy(() -> loader.load(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("is a directory");
    assertThatThrownBy(() -> loader.load(dir.resolve("missing.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot read the configuration")
        .hasMessageContaining("check the path");
  }

  @Test
  void aGoodFileStillLoadsWithItsLines() throws IOException {
    Path file = dir.resolve("good.yaml");
    Files.writeString(file, "hypervisor:\n  driver: sim\n  hosts: 3\npanels:\n  - driver: web\n");
    AgentConfig config = loader.load(file);
    assertThat(config.hypervisor().name()).isEqualTo("sim");
    assertThat(config.panels()).hasSize(1);
  }
}
