package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.agent.config.ConfigException;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.testkit.SecretFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Wiring#startAgent} refuses before it serves, with the configuration's line. */
class WiringTest {
  @TempDir Path dir;

  @Test
  void aHostNameTheHypervisorDoesNotKnowIsRefusedWithItsLine() throws IOException {
    Path token = dir.resolve("token");
    SecretFile.write(token, "wiring-test-token-0123456789");
    Path file = dir.resolve("agent.yaml");
    Files.writeString(
        file,
        """
        host:
          name: rack12-u07
        hypervisor:
          driver: sim
        api:
          listen: 127.0.0.1:0
          tokenFile: %s
        """
            .formatted(token));

    assertThatThrownBy(() -> Wiring.startAgent(new ConfigLoader().load(file)).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ":2: host.name 'rack12-u07' is not a host of the sim")
        .hasMessageContaining("(it has sim-01, sim-02");
  }

  @Test
  void anAgentWithATokensFileKnowsEachTokensRole() throws Exception {
    String viewer = Wiring.newToken();
    String operator = Wiring.newToken();
    Path tokens = dir.resolve("tokens");
    Files.writeString(
        tokens,
        "noc viewer "
            + io.vpanel.web.ApiTokens.hash(viewer)
            + "\nops operator "
            + io.vpanel.web.ApiTokens.hash(operator)
            + "\n");
    Files.setPosixFilePermissions(
        tokens, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path file = dir.resolve("roles.yaml");
    Files.writeString(
        file,
        """
        host:
          name: sim-01
        hypervisor:
          driver: sim
        api:
          listen: 127.0.0.1:0
          tokensFile: %s
          readsNeedToken: true
        """
            .formatted(tokens));
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    try (RunningAgent agent = Wiring.startAgent(new ConfigLoader().load(file))) {
      org.assertj.core.api.Assertions.assertThat(agent.token()).isNull();
      java.util.function.BiFunction<String, String, Integer> post =
          (token, body) -> {
            try {
              return http.send(
                      java.net.http.HttpRequest.newBuilder(
                              java.net.URI.create(agent.url() + "/api/v1/hosts/sim-01/notices"))
                          .header("Authorization", "Bearer " + token)
                          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                          .build(),
                      java.net.http.HttpResponse.BodyHandlers.discarding())
                  .statusCode();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          };
      org.assertj.core.api.Assertions.assertThat(post.apply(viewer, "{\"text\":\"hi\"}"))
          .isEqualTo(403);
      org.assertj.core.api.Assertions.assertThat(post.apply(operator, "{\"text\":\"hi\"}"))
          .isEqualTo(202);
      org.assertj.core.api.Assertions.assertThat(
              http.send(
                      java.net.http.HttpRequest.newBuilder(
                              java.net.URI.create(agent.url() + "/api/v1/hosts"))
                          .build(),
                      java.net.http.HttpResponse.BodyHandlers.discarding())
                  .statusCode())
          .as("reads need a token")
          .isEqualTo(401);
    } finally {
      http.close();
    }
  }

  @Test
  void aTokenFileAndATokensFileTogetherAreRefused() throws IOException {
    Path file = dir.resolve("both.yaml");
    Files.writeString(
        file, "hypervisor:\n  driver: sim\napi:\n  tokenFile: /a\n  tokensFile: /b\n");
    assertThatThrownBy(() -> new ConfigLoader().load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file + ":5:")
        .hasMessageContaining("not both");
  }

  @Test
  void aJournalThatCannotOpenIsReportedDownInMetrics() throws Exception {
    Path token = dir.resolve("token");
    SecretFile.write(token, "wiring-test-token-0123456789");
    Path broken = Files.writeString(dir.resolve("broken.db"), "not a database, ".repeat(512));
    Path good = dir.resolve("good.db");
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (Path journal : java.util.List.of(broken, good)) {
      Path file = dir.resolve("journal.yaml");
      Files.writeString(
          file,
          """
          host:
            name: sim-01
          hypervisor:
            driver: sim
          api:
            listen: 127.0.0.1:0
            tokenFile: %s
          journal:
            path: %s
          """
              .formatted(token, journal));
      try (RunningAgent agent = Wiring.startAgent(new ConfigLoader().load(file))) {
        String expected = "vpanel_journal_up{host=\"sim-01\"} " + (journal == broken ? "0" : "1");
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(30))
            .until(
                () ->
                    http.send(
                            java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create(agent.url() + "/metrics"))
                                .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body(),
                body -> body.contains(expected) && body.contains("vpanel_build_info{"));
      }
    }
    http.close();
  }
}
