package io.vpanel.driver.etcd;

import io.vpanel.testkit.EtcdCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class against one real 3-member etcd of its own, started before its first test and stopped
 * after its last; every test starts with all members running (a test may kill some).
 */
abstract class RealEtcdTest {
  @TempDir static Path dir;
  static EtcdCluster etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdCluster.start(dir);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
      etcd = null;
    }
  }

  @BeforeEach
  void everyMemberRuns() throws Exception {
    etcd.restartAllStopped();
  }
}
