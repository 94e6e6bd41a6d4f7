package io.vpanel.driver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.testkit.EtcdCluster;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's etcd fixture does what the driver's tests rely on. */
class EtcdClusterFixtureTest {
  @TempDir Path dir;

  @Test
  void startsThreeMembersKillsRestartsAndStopsThem() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.start(dir)) {
      assertThat(etcd.endpoints()).hasSize(3).allMatch(e -> e.startsWith("http://127.0.0.1:"));
      etcd.etcdctl("put", "/fixture/a", "1");
      assertThat(etcd.etcdctl("get", "--print-value-only", "/fixture/a")).isEqualTo("1\n");

      long killed = etcd.pid(2).orElseThrow();
      etcd.kill(2);
      assertThat(etcd.running(2)).isFalse();
      assertThat(EtcdCluster.alive(killed)).isFalse();
      // two of three still have quorum (once they elected a leader, if the killed one led)
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(() -> etcd.etcdctl("put", "/fixture/b", "2").contains("OK"));
      etcd.restart(2);
      assertThat(etcd.running(2)).isTrue();
      assertThat(etcd.leader()).isPresent();

      etcd.stopAll();
      assertThat(etcd.running(1) || etcd.running(2) || etcd.running(3)).isFalse();
      etcd.restartAllStopped();
      assertThat(etcd.etcdctl("get", "--print-value-only", "/fixture/b")).isEqualTo("2\n");
    }
  }

  @Test
  void closeLeavesNoMemberRunning() throws Exception {
    EtcdCluster etcd = EtcdCluster.start(dir);
    long[] pids = {etcd.pid(1).orElseThrow(), etcd.pid(2).orElseThrow(), etcd.pid(3).orElseThrow()};
    etcd.close();
    for (long pid : pids) {
      assertThat(EtcdCluster.alive(pid)).isFalse();
    }
  }
}
