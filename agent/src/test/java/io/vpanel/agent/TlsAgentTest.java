package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vpanel.agent.config.AgentConfig;
import io.vpanel.agent.config.ConfigException;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.testkit.TestCertificates;
import io.vpanel.testkit.TestCertificates.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** An agent whose configuration turns TLS on, and the command line talking to it. */
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES)
class TlsAgentTest {
  @TempDir static Path dir;
  static TestCertificates certs;
  static Pair ca;
  static Pair server;
  static Path token;
  final ConfigLoader loader = new ConfigLoader();

  @BeforeAll
  static void certificates() throws IOException {
    assumeTrue(TestCertificates.opensslAvailable(), "openssl is needed to make certificates");
    certs = new TestCertificates(dir);
    ca = certs.ca("agent-ca");
    server = certs.leaf(ca, "agent");
    token = Files.writeString(dir.resolve("token"), CliIntegrationTest.TOKEN + "\n");
    TestCertificates.ownerOnly(token);
  }

  private Path config(String name, String tls) throws IOException {
    return Files.writeString(
        dir.resolve(name),
        """
        host:
          name: sim-01
        hypervisor:
          driver: sim
        api:
          listen: 127.0.0.1:0
          tokenFile: %s
        %s"""
            .formatted(token, tls.indent(2)));
  }

  private String refusal(String name, String tls) throws IOException {
    Path file = config(name, tls);
    try {
      loader.load(file);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).startsWith(file + ":");
      return e.getMessage();
    }
    throw new AssertionError(name + " was not refused");
  }

  @Test
  void theCliTalksToATlsAgentWithItsCa() throws Exception {
    AgentConfig config =
        loader.load(
            config(
                "tls.yaml",
                """
                tls:
                  certificate: %s
                  key: %s
                  reloadSeconds: 5
                """
                    .formatted(server.certificate(), server.key())));
    assertThat(config.api().tls().orElseThrow().reloadInterval()).isEqualTo(Duration.ofSeconds(5));
    try (RunningAgent agent = Wiring.startAgent(config)) {
      String url = agent.url();
      assertThat(url).startsWith("https://127.0.0.1:");
      CliIntegrationTest.Run ok =
          CliIntegrationTest.vpanel("status", "--url", url, "--ca", ca.certificate().toString());
      assertThat(ok.status()).as(ok.err()).isZero();
      assertThat(ok.out()).contains("sim-01");

      CliIntegrationTest.Run untrusted = CliIntegrationTest.vpanel("status", "--url", url);
      assertThat(untrusted.status()).isEqualTo(1);
      assertThat(untrusted.err()).contains("TLS with " + url).contains("--ca FILE");

      String plain = url.replace("https://", "http://");
      CliIntegrationTest.Run cleartext = CliIntegrationTest.vpanel("status", "--url", plain);
      assertThat(cleartext.status()).isEqualTo(1);
      assertThat(cleartext.err())
          .contains("answered in TLS, not plain HTTP: use https:// in --url");

      CliIntegrationTest.Run caOnHttp =
          CliIntegrationTest.vpanel("status", "--url", plain, "--ca", ca.certificate().toString());
      assertThat(caOnHttp.err()).contains("give an https:// --url");
    }
  }

  @Test
  void withAClientCaTheCliNeedsItsCertificate() throws Exception {
    Pair clientCa = certs.ca("operators");
    Pair operator = certs.leaf(clientCa, "operator");
    AgentConfig config =
        loader.load(
            config(
                "mtls.yaml",
                """
                tls:
                  certificate: %s
                  key: %s
                  clientCa: %s
                """
                    .formatted(server.certificate(), server.key(), clientCa.certificate())));
    try (RunningAgent agent = Wiring.startAgent(config)) {
      String url = agent.url();
      String caFile = ca.certificate().toString();
      CliIntegrationTest.Run ok =
          CliIntegrationTest.vpanel(
              "status",
              "--url",
              url,
              "--ca",
              caFile,
              "--cert",
              operator.certificate().toString(),
              "--key",
              operator.key().toString());
      assertThat(ok.status()).as(ok.err()).isZero();
      assertThat(ok.out()).contains("sim-01");

      CliIntegrationTest.Run without =
          CliIntegrationTest.vpanel("status", "--url", url, "--ca", caFile);
      assertThat(without.status()).isEqualTo(1);

      CliIntegrationTest.Run half =
          CliIntegrationTest.vpanel(
              "status", "--url", url, "--ca", caFile, "--cert", operator.certificate().toString());
      assertThat(half.err()).contains("--cert and --key go together");
    }
  }

  @Test
  void badTlsSettingsAreRefusedAtTheirLine() throws Exception {
    assertThat(refusal("no-key.yaml", "tls:\n  certificate: %s\n".formatted(server.certificate())))
        .contains("no-key.yaml:8:")
        .contains("api.tls needs both certificate and key");
    assertThat(
            refusal(
                "unknown.yaml",
                "tls:\n  certificate: %s\n  key: %s\n  protocols: [TLSv1]\n"
                    .formatted(server.certificate(), server.key())))
        .contains("unknown.yaml:11:")
        .contains("unknown key 'protocols'");
    assertThat(
            refusal(
                "reload.yaml",
                "tls:\n  certificate: %s\n  key: %s\n  reloadSeconds: 0\n"
                    .formatted(server.certificate(), server.key())))
        .contains("reload.yaml:11:")
        .contains("api.tls.reloadSeconds must be a whole number from 1 to 86400");
    Path missing = dir.resolve("absent.pem");
    assertThat(
            refusal(
                "missing.yaml",
                "tls:\n  certificate: %s\n  key: %s\n".formatted(missing, server.key())))
        .contains("missing.yaml:9: api.tls.certificate: " + missing + ": no such file");
    Pair other = certs.leaf(ca, "other");
    assertThat(
            refusal(
                "mismatch.yaml",
                "tls:\n  certificate: %s\n  key: %s\n"
                    .formatted(server.certificate(), other.key())))
        .contains("mismatch.yaml:10: api.tls.key: " + other.key())
        .contains("does not match the certificate");
    Path loose = dir.resolve("loose.key");
    Files.copy(server.key(), loose);
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(
            refusal(
                "loose.yaml",
                "tls:\n  certificate: %s\n  key: %s\n".formatted(server.certificate(), loose)))
        .contains("loose.yaml:10: api.tls.key: " + loose)
        .contains("chmod 600 " + loose);
    Path caFile = dir.resolve("notpem.pem");
    Files.writeString(caFile, "garbage\n");
    assertThat(
            refusal(
                "ca.yaml",
                "tls:\n  certificate: %s\n  key: %s\n  clientCa: %s\n"
                    .formatted(server.certificate(), server.key(), caFile)))
        .contains("ca.yaml:11: api.tls.clientCa: " + caFile + ": is not a PEM file");
  }

  @Test
  void aTokenFileOthersMayReadIsRefusedWithTheFix() throws Exception {
    Path shared = Files.writeString(dir.resolve("shared-token"), "shared-token-0123456789abcdef\n");
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r-----"));
    AgentConfig config =
        loader.load(
            Files.writeString(
                dir.resolve("shared.yaml"),
                """
                host:
                  name: sim-01
                hypervisor:
                  driver: sim
                api:
                  listen: 127.0.0.1:0
                  tokenFile: %s
                """
                    .formatted(shared)));
    assertThatThrownBy(() -> Wiring.startAgent(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(shared + ": is readable or writable by its group or others")
        .hasMessageContaining("chmod 600 " + shared);
  }
}
