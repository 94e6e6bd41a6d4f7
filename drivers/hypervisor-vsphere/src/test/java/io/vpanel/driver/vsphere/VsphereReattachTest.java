package io.vpanel.driver.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.VcsimFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A vMotion the agent started and did not see end (the agent stopped; here: its driver closed
 * without cancelling) is found again by a new driver through the guest's and the TaskManager's
 * {@code recentTask} and followed to its one outcome; a guest that is not moving has none. Against
 * vcsim-vpanel with 8 s tasks, so the move outlives the first driver under load.
 */
class VsphereReattachTest {
  private static final int TASK_MILLIS = 8000;
  private static VcsimFixture sim;

  @BeforeAll
  static void startSimulator() throws IOException {
    sim =
        VcsimFixture.start(
            Files.createTempDirectory("vpanel-vcsim-reattach"), TASK_MILLIS, Vcsim.FLAGS);
  }

  @AfterAll
  static void stopSimulator() {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void aMoveStillRunningIsFollowedAgainByTheNextDriver() throws IOException {
    VsphereSettings settings = Vcsim.settings(sim);
    HostEndpoint source;
    HostEndpoint destination;
    VmInfo vm;
    VsphereHypervisorDriver first = Vcsim.driver(settings);
    try {
      List<HostEndpoint> hosts = Vcsim.busiestFirst(first);
      source = hosts.get(0);
      destination = hosts.get(1);
      HypervisorConnection from = first.connect(source);
      vm =
          from.inventory().vms().stream()
              .filter(v -> v.state() == VmState.RUNNING)
              .findFirst()
              .orElseThrow();
      MigrationRecorder started = new MigrationRecorder();
      from.migrate(vm.uuid(), destination, MigrationOptions.DEFAULTS, started);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> !started.progress().isEmpty() || started.finished());
      assertThat(started.finished()).as("the move ended before the driver stopped").isFalse();
    } finally {
      first.close(); // the agent stops: no CancelTask, vCenter carries on
    }

    try (VsphereHypervisorDriver second = Vcsim.driver(settings)) {
      HypervisorConnection from = second.connect(source);
      MigrationRecorder followed = new MigrationRecorder();
      Optional<MigrationInProgress> found = from.reattach(vm.uuid(), followed);
      assertThat(found).as("the running RelocateVM_Task is found again").isPresent();
      assertThat(found.get().destination()).contains("task-");

      Awaitility.await().atMost(Duration.ofSeconds(60)).until(followed::finished);
      assertThat(followed.outcomes()).hasSize(1);
      assertThat(followed.outcome().succeeded()).as(followed.outcome().reason()).isTrue();
      try (HypervisorConnection to = second.connect(destination)) {
        assertThat(to.inventory().vms()).extracting(VmInfo::uuid).contains(vm.uuid());
      }
      // nothing moves it now: a second look finds nothing to follow
      try (HypervisorConnection there = second.connect(destination)) {
        assertThat(there.reattach(vm.uuid(), new MigrationRecorder())).isEmpty();
      }
      VmInfo idle =
          from.inventory().vms().stream()
              .filter(v -> !v.uuid().equals(vm.uuid()))
              .findFirst()
              .orElseThrow();
      assertThat(from.reattach(idle.uuid(), new MigrationRecorder())).isEmpty();
    }
  }
}
