package io.vpanel.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.testkit.FuzzInputs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link ConfigLoader#parse} with any text (lenient UTF-8, so lone surrogates too): it gives
 * an {@link AgentConfig} or a {@link ConfigException} whose message starts with the file's name,
 * never another exception or error (no StackOverflowError, no OutOfMemoryError), and fast: the
 * loader's caps (file size, depth, scalar length, no aliases) bound the work. See docs/FUZZING.md.
 */
class ConfigLoaderFuzzTest {
  private static final Path FILE = Path.of("/etc/vpanel/fuzz.yaml");
  private static final ConfigLoader LOADER = new ConfigLoader();

  @FuzzTest(maxDuration = "2m")
  void parse(FuzzedDataProvider data) {
    check(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRun() {
    FuzzInputs.run(getClass(), "parse", 1500, ConfigLoaderFuzzTest::check);
  }

  /** Finding: a number beyond int for a driver key threw Jackson's InputCoercionException. */
  @Test
  void aNumberTooLargeForADriverKeyIsAConfigException() {
    String text = "hypervisor:\n  driver: sim\n  hosts: 99999999999999999999999999\n";
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LOADER.parse(FILE, text))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(FILE.toString())
        .hasMessageContaining("sim");
  }

  static void check(byte[] input) {
    String text = FuzzInputs.text(input);
    long start = System.nanoTime();
    try {
      AgentConfig config = LOADER.parse(FILE, text);
      assertThat(config).isNotNull();
    } catch (ConfigException e) {
      assertThat(e.getMessage()).startsWith(FILE.toString());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(millis).as("parse time of %d chars", text.length()).isLessThan(5_000);
  }
}
