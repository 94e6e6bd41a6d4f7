package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.vpanel.agent.config.AgentConfig;
import io.vpanel.agent.config.ConfigLoader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vpanel ready}: the unit's readiness check, and the package's configuration file. */
class ReadyCheckTest {
  @TempDir Path dir;

  private AgentConfig config(String listen) throws Exception {
    Path file = dir.resolve("vpanel.yaml");
    Files.writeString(file, "hypervisor:\n  driver: sim\napi:\n  listen: \"" + listen + "\"\n");
    return new ConfigLoader().load(file);
  }

  @Test
  void readyOnceTheApiAnswers() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/healthz",
        exchange -> {
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    try {
      AgentConfig config = config("127.0.0.1:" + server.getAddress().getPort());
      assertThat(new ReadyCheck(Clock.systemUTC()).await(config, Duration.ofSeconds(30))).isTrue();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void notReadyWhenNothingListensByTheTimeout() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    AgentConfig config = config("127.0.0.1:" + port);
    assertThat(new ReadyCheck(Clock.systemUTC()).await(config, Duration.ZERO)).isFalse();
  }

  @Test
  void aWildcardAddressIsCheckedOnLoopbackAndPortZeroIsRefused() throws Exception {
    assertThat(ReadyCheck.describe(ReadyCheck.target(config("0.0.0.0:8080"))))
        .isEqualTo("127.0.0.1:8080");
    assertThat(ReadyCheck.describe(ReadyCheck.target(config("[::]:8080"))))
        .isEqualTo("[0:0:0:0:0:0:0:1]:8080");
    assertThatThrownBy(() -> ReadyCheck.target(config("127.0.0.1:0")))
        .hasMessageContaining("needs a fixed port");
  }

  @Test
  void thePackagesConfigurationLoads() {
    // packaging/vpanel.yaml, installed as /etc/vpanel/vpanel.yaml: valid as shipped.
    AgentConfig config = new ConfigLoader().load(Path.of("../packaging/vpanel.yaml"));
    assertThat(config.hypervisor().provider().name()).isEqualTo("libvirt");
    assertThat(config.uri()).isEqualTo("qemu:///system");
    assertThat(config.listenHost() + ":" + config.listenPort()).isEqualTo("127.0.0.1:8080");
    assertThat(config.tokenFile()).contains(Path.of("/etc/vpanel/token"));
    assertThat(config.journalPath()).contains(Path.of("/var/lib/vpanel/journal.db"));
    assertThat(config.panels()).extracting(c -> c.provider().name()).containsExactly("web");
  }
}
