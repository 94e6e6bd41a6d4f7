package io.vpanel.driver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.driver.etcd.EtcdAgents.Agent;
import io.vpanel.spi.management.Coordinator.AdmissionRequest;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.testkit.EtcdCluster;
import io.vpanel.testkit.SecretFile;
import io.vpanel.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS with client certificates, and etcd users with a password file, against a real etcd. */
class EtcdSecurityTest {
  @TempDir Path dir;

  @Test
  void agentsWorkOverMutualTls() throws Exception {
    assumeThat(TestCertificates.opensslAvailable()).as("openssl is needed").isTrue();
    TestCertificates certificates = new TestCertificates(dir);
    TestCertificates.Pair ca = certificates.ca("etcd-ca");
    TestCertificates.Pair server = certificates.leaf(ca, "etcd-server");
    TestCertificates.Pair client = certificates.leaf(ca, "vpanel-agent");
    Files.setPosixFilePermissions(client.key(), PosixFilePermissions.fromString("rw-------"));
    try (EtcdCluster etcd =
        EtcdCluster.startTls(
            dir.resolve("etcd"),
            ca.certificate(),
            server.certificate(),
            server.key(),
            client.certificate(),
            client.key())) {
      assertThat(etcd.endpoints()).allMatch(e -> e.startsWith("https://"));
      EtcdSettings tls =
          new EtcdSettings(
              etcd.endpoints(),
              "tls-test",
              3,
              2,
              1,
              2000,
              5000,
              ca.certificate().toString(),
              client.certificate().toString(),
              client.key().toString(),
              "",
              "",
              "",
              "",
              "",
              null,
              null,
              null,
              null,
              null);
      try (EtcdAgents agents = new EtcdAgents(etcd, tls)) {
        Agent a = agents.start("host-a", 64, 32);
        Agent b = agents.start("host-b", 64, 32);
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> a.management().link() == LinkStatus.CONNECTED);
        await().atMost(Duration.ofSeconds(15)).until(() -> a.peerNames().contains("host-b"));
        assertThat(
                b.coordinator()
                    .admit(new AdmissionRequest("host-b", 0, 0, "api:ops"))
                    .get(10, TimeUnit.SECONDS)
                    .granted())
            .isTrue();
      }

      // Without a client certificate etcd refuses the handshake: the link never comes up.
      EtcdSettings noClientCertificate =
          tls.withSecurity(ca.certificate().toString(), "", "", "", "");
      try (EtcdAgents agents = new EtcdAgents(etcd, noClientCertificate)) {
        Agent c = agents.start("host-c", 64, 32);
        await()
            .during(Duration.ofSeconds(3))
            .atMost(Duration.ofSeconds(5))
            .until(() -> c.management().link() == LinkStatus.LOST);
      }
    }
  }

  @Test
  void anEtcdUserWithAPasswordFileAndARoleOnTheClusterPrefix() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"))) {
      EtcdSettings plain = EtcdAgents.settings(etcd, 1);
      String prefix = "/vpanel/" + plain.cluster() + "/";
      etcd.etcdctl("user", "add", "root", "--new-user-password=root-secret-123");
      etcd.etcdctl("role", "add", "vpanel");
      etcd.etcdctl("role", "grant-permission", "vpanel", "--prefix=true", "readwrite", prefix);
      etcd.etcdctl("user", "add", "agent", "--new-user-password=agent-secret-123");
      etcd.etcdctl("user", "grant-role", "agent", "vpanel");
      etcd.etcdctl("auth", "enable");
      Path password = dir.resolve("etcd-password");
      SecretFile.write(password, "agent-secret-123\n");
      EtcdSettings withUser = plain.withSecurity("", "", "", "agent", password.toString());
      try (EtcdAgents agents = new EtcdAgents(etcd, withUser)) {
        Agent a = agents.start("host-a", 64, 32);
        Agent b = agents.start("host-b", 64, 32);
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> a.management().link() == LinkStatus.CONNECTED);
        await().atMost(Duration.ofSeconds(15)).until(() -> b.peerNames().contains("host-a"));
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> a.management().leading() || b.management().leading());
        assertThat(
                a.coordinator()
                    .admit(new AdmissionRequest("host-a", 0, 0, "api:ops"))
                    .get(10, TimeUnit.SECONDS)
                    .granted())
            .isTrue();
      }
      // The same user outside its prefix is refused by etcd.
      EtcdSettings elsewhere = withUser.withCluster(etcd.endpoints(), "other-cluster");
      try (EtcdAgents agents = new EtcdAgents(etcd, elsewhere)) {
        Agent c = agents.start("host-c", 64, 32);
        await()
            .during(Duration.ofSeconds(2))
            .atMost(Duration.ofSeconds(4))
            .until(() -> c.management().link() == LinkStatus.LOST);
        assertThat(c.links().reasons).anyMatch(r -> r.contains("PERMISSION_DENIED"));
      }
    }
  }
}
