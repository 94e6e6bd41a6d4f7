package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.agent.config.AgentConfig;
import io.vpanel.agent.config.ConfigException;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.testkit.SecretFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code api.listen} with an IPv6 address, an IPv4 address and a host name: the agent serves there
 * and prints a URL a browser or curl can open.
 */
class ListenAddressTest {
  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @ParameterizedTest(name = "api.listen: \"{0}\" -> {1}")
  @CsvSource({"'[::1]:0', '[::1]'", "'127.0.0.1:0', '127.0.0.1'", "'localhost:0', 'localhost'"})
  void theAgentServesThereAndPrintsAUrlThatWorks(String listen, String urlHost) throws Exception {
    try (RunningAgent agent = Wiring.startAgent(config(listen))) {
      assertThat(agent.url()).isEqualTo("http://" + urlHost + ":" + agent.port());
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create(agent.url() + "/healthz"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\"");
    }
  }

  @Test
  void anIpv6AddressWithoutBracketsIsRefusedWithTheBracketedForm() throws Exception {
    Path file = dir.resolve("unbracketed.yaml");
    Files.writeString(file, yaml("::1:8080"));
    assertThatThrownBy(() -> new ConfigLoader().load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file + ":")
        .hasMessageContaining("api.listen")
        .hasMessageContaining("[::1]:8080");
  }

  @Test
  void aBracketedIpv6AddressIsAccepted() throws Exception {
    AgentConfig config = config("[::1]:8080");
    assertThat(config.listenPort()).isEqualTo(8080);
  }

  private AgentConfig config(String listen) throws Exception {
    Path token = dir.resolve("token");
    SecretFile.write(token, "listen-test-token-0123456789\n");
    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, yaml(listen) + "  tokenFile: " + token + "\n");
    return new ConfigLoader().load(file);
  }

  private static String yaml(String listen) {
    return """
        host:
          name: sim-01
        hypervisor:
          driver: sim
        api:
          listen: "%s"
        """
        .formatted(listen);
  }
}
