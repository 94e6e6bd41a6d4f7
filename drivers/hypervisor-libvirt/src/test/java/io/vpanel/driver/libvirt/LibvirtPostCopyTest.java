package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Post-copy on two real <b>system-mode</b> libvirtd + QEMU hosts: there QEMU runs as root and gets
 * {@code userfaultfd} (a session daemon's unprivileged QEMU is refused it, see {@link
 * LibvirtFeaturesTest}). A memtest86+ guest that does not converge over a link capped at 200 Mbit/s
 * without auto-converge is switched to post-copy after the first pass and arrives.
 */
class LibvirtPostCopyTest {
  private static final Poll PATIENTLY =
      Poll.atMost(Duration.ofMinutes(2)).every(Duration.ofMillis(50));
  private static TwoHosts hosts;

  @BeforeAll
  static void startHosts() {
    hosts = TwoHosts.startSystem("postcopy", "root");
    hosts.capLink('a', 200);
  }

  @AfterAll
  static void stopHosts() {
    if (hosts != null) {
      hosts.close();
    }
  }

  @Test
  void aGuestThatDoesNotConvergeSwitchesToPostCopyAndArrives() {
    hosts.startBusyGuest('a', "busy1");
    LibvirtFeaturesTest.awaitDirtying(hosts, "busy1");
    try (LibvirtHypervisorDriver driver =
        new LibvirtHypervisorDriver(
            LibvirtContractTest.testSettings()
                .withDirtyRateSampleSeconds(0)
                .withPostCopyAfterRounds(1))) {
      HypervisorConnection a = driver.connect(hosts.endpoint('a'));
      HypervisorConnection b = driver.connect(hosts.endpoint('b'));
      assertThat(a.inventory().migrationFeatures())
          .as("a system daemon's QEMU can use userfaultfd")
          .contains(MigrationFeature.POST_COPY);
      String uuid =
          a.inventory().vms().stream()
              .filter(vm -> vm.name().equals("busy1"))
              .map(VmInfo::uuid)
              .findFirst()
              .orElseThrow();
      MigrationRecorder migration = new MigrationRecorder();
      AtomicBoolean postCopySeen = new AtomicBoolean();
      // no auto-converge, no cap but the link: pre-copy alone would never finish
      MigrationOptions postCopy = new MigrationOptions(Duration.ofMillis(300), 0, false, true);

      a.migrate(uuid, hosts.endpoint('b'), postCopy, migration);
      PATIENTLY.until(
          "the switch to post-copy, or the end",
          () -> {
            TwoHosts.Result state = hosts.virshResult('a', "domstate", "--reason", "busy1");
            if (state.output().contains("post-copy")) {
              postCopySeen.set(true);
            }
            return postCopySeen.get() || !migration.outcomes().isEmpty();
          });
      PATIENTLY.until("the migration to end", () -> !migration.outcomes().isEmpty());

      MigrationOutcome outcome = migration.outcomes().get(0);
      System.out.println("post-copy: " + outcome);
      assertThat(postCopySeen).as("libvirt said busy1 ran in post-copy on a").isTrue();
      assertThat(outcome.succeeded()).as(outcome.reason()).isTrue();
      assertThat(hosts.guests('b', false)).containsExactly("busy1");
      assertThat(hosts.guests('a', true)).doesNotContain("busy1");
      assertThat(outcome.stats().used()).containsExactly(MigrationFeature.POST_COPY);
      assertThat(outcome.stats().fallback()).isEmpty();
      assertThat(outcome.stats().transfer()).isPositive();
      assertThat(outcome.stats().bandwidthBytesPerSec()).isPositive();
      assertThat(migration.outcomes()).hasSize(1);
      PATIENTLY.until(
          "b's inventory to list busy1 running once post-copy is over",
          () ->
              b.inventory().vms().stream()
                  .anyMatch(vm -> vm.uuid().equals(uuid) && vm.state().isRunning()));
    }
  }
}
