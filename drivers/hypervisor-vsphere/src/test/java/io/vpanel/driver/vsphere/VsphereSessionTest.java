package io.vpanel.driver.vsphere;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.HypervisorEventRecorder;
import io.vpanel.testkit.TestCertificates;
import io.vpanel.testkit.VcsimFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session and the change stream against vcsim: wrong password, wrong CA, a loose password file,
 * an expired session, vcsim killed and restarted, policies from annotation and custom attribute,
 * and the latency of a change (printed, not asserted).
 */
class VsphereSessionTest {
  private static VcsimFixture sim;
  private final List<AutoCloseable> closing = new ArrayList<>();
  @TempDir Path tmp;
  private VsphereSettings settings;
  private HostEndpoint busiest;

  @BeforeAll
  static void startSimulator() {
    sim = Vcsim.start("session");
  }

  @AfterAll
  static void stopSimulator() {
    if (sim != null) {
      sim.close();
    }
  }

  @BeforeEach
  void freshInventory() throws IOException {
    sim.stop();
    sim.restart();
    settings = Vcsim.settings(sim);
    try (VsphereHypervisorDriver probe = Vcsim.driver(settings)) {
      busiest = Vcsim.busiestFirst(probe).get(0);
    }
  }

  @AfterEach
  void close() throws Exception {
    Collections.reverse(closing);
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private VsphereHypervisorDriver driver(VsphereSettings s) {
    VsphereHypervisorDriver driver = Vcsim.driver(s);
    closing.add(driver);
    return driver;
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .until(condition::getAsBoolean);
  }

  @Test
  void aWrongPasswordIsAClearErrorOnReadsAndTheStream() throws IOException {
    Path wrong = VcsimFixture.writeSecret(tmp.resolve("wrong"), "not-the-password");
    VsphereHypervisorDriver driver =
        driver(
            settings.withConnection(
                sim.url(), sim.user(), wrong.toString(), sim.caFile().toString()));
    HypervisorConnection connection = driver.connect(busiest);
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    connection.subscribe(events);

    assertThatThrownBy(connection::inventory)
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("refused the login")
        .hasMessageContaining("InvalidLogin")
        .hasMessageNotContaining("not-the-password");
    await(
        () ->
            events.events().stream()
                .anyMatch(
                    e ->
                        e instanceof HypervisorEvent.ConnectionChanged c
                            && !c.connected()
                            && c.reason().contains("InvalidLogin")));
  }

  @Test
  void aServerCertificateNotFromTheConfiguredCaIsRefused() {
    Path otherCa = new TestCertificates(tmp).ca("other").certificate();
    VsphereHypervisorDriver driver =
        driver(
            settings.withConnection(
                sim.url(), sim.user(), settings.passwordFile(), otherCa.toString()));
    HypervisorConnection connection = driver.connect(busiest);

    assertThatThrownBy(connection::inventory)
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("TLS with vSphere at " + sim.url() + " failed")
        .hasMessageContaining("caFile");
  }

  @Test
  void aPasswordFileOthersMayReadIsRefused() throws IOException {
    Path loose = VcsimFixture.writeSecret(tmp.resolve("loose"), sim.password());
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    HypervisorConnection connection =
        driver(
                settings.withConnection(
                    sim.url(), sim.user(), loose.toString(), sim.caFile().toString()))
            .connect(busiest);

    assertThatThrownBy(connection::inventory)
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("chmod 600");
  }

  @Test
  void anExpiredSessionIsReplacedAndTheStreamCarriesOn() throws IOException {
    VsphereHypervisorDriver driver = driver(settings);
    HypervisorConnection connection = driver.connect(busiest);
    VmInfo vm = running(connection);
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    connection.subscribe(events);
    long epoch = driver.vim().client().epoch();

    driver.vim().client().logoutForTest();
    assertThat(connection.inventory().vms()).isNotEmpty();
    assertThat(driver.vim().client().epoch()).isGreaterThan(epoch);
    sim.govc("vm.power", "-off", "-vm.uuid", vm.uuid());

    await(
        () ->
            events.events().stream()
                .anyMatch(
                    e ->
                        e instanceof HypervisorEvent.VmChanged c
                            && c.vm().uuid().equals(vm.uuid())
                            && c.vm().state() == VmState.SHUTOFF));
  }

  /**
   * vCenter ends the driver's session from outside (TerminateSession from govc's session): the
   * driver meets NotAuthenticated, logs in again and makes its change stream again without
   * reporting the host lost; a change made after it still arrives.
   */
  @Test
  void aSessionEndedByTheServerIsReplacedWithoutLosingTheHost() throws IOException {
    VsphereHypervisorDriver driver = driver(settings);
    HypervisorConnection connection = driver.connect(busiest);
    VmInfo vm = running(connection);
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    connection.subscribe(events);
    long epoch = driver.vim().client().epoch();

    assertThat(sim.terminateSessions("Java-http-client")).isPositive();
    await(() -> driver.vim().client().epoch() > epoch); // the stream's next call meets the fault
    sim.govc("vm.power", "-off", "-vm.uuid", vm.uuid());

    await(
        () ->
            events.events().stream()
                .anyMatch(
                    e ->
                        e instanceof HypervisorEvent.VmChanged c
                            && c.vm().uuid().equals(vm.uuid())
                            && c.vm().state() == VmState.SHUTOFF));
    assertThat(events.events())
        .noneMatch(e -> e instanceof HypervisorEvent.ConnectionChanged c && !c.connected());
    assertThat(connection.inventory().vms()).extracting(VmInfo::uuid).contains(vm.uuid());
  }

  @Test
  void vcsimKilledIsReportedAndItsReturnRestoresTheStream() throws IOException {
    VsphereHypervisorDriver driver = driver(settings);
    HypervisorConnection connection = driver.connect(busiest);
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    connection.subscribe(events);

    sim.kill();
    await(
        () ->
            events.events().stream()
                .anyMatch(e -> e instanceof HypervisorEvent.ConnectionChanged c && !c.connected()));
    assertThatThrownBy(connection::inventory)
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("cannot reach vSphere");
    sim.restart();
    await(
        () ->
            events.events().stream()
                .anyMatch(e -> e instanceof HypervisorEvent.ConnectionChanged c && c.connected()));
    assertThat(connection.inventory().vms()).isNotEmpty();
  }

  @Test
  void policyComesFromTheCustomAttributeElseTheAnnotation() throws IOException {
    HypervisorConnection connection = driver(settings).connect(busiest);
    List<VmInfo> vms = connection.inventory().vms();
    VmInfo first = vms.get(0);
    VmInfo second = vms.get(1);
    sim.govc(
        "vm.change", "-vm.uuid", first.uuid(), "-annotation", "owner=ops\nvpanel.policy=shutdown");
    sim.govc("fields.add", "vpanel.policy");
    sim.govc("vm.change", "-vm.uuid", second.uuid(), "-annotation", "vpanel.policy=block");
    sim.govc("fields.set", "vpanel.policy", "suspend", "/DC0/vm/" + second.name());

    List<VmInfo> now = connection.inventory().vms();
    assertThat(policy(now, first.uuid())).isEqualTo(VmPolicy.SHUTDOWN);
    assertThat(policy(now, second.uuid())).isEqualTo(VmPolicy.SUSPEND);
    assertThat(
            now.stream()
                .filter(v -> !v.uuid().equals(first.uuid()) && !v.uuid().equals(second.uuid())))
        .allSatisfy(v -> assertThat(v.policy()).isEqualTo(VmPolicy.MIGRATE));
  }

  /** Prints the time from a govc power change to the driver's event: p50 and p99. */
  @Test
  void latencyFromAChangeInVcsimToTheEvent() throws IOException {
    HypervisorConnection connection = driver(settings).connect(busiest);
    VmInfo vm = running(connection);
    HypervisorEventRecorder events = new HypervisorEventRecorder();
    connection.subscribe(events);
    List<Long> micros = new ArrayList<>();
    int samples = Integer.getInteger("vpanel.vsphere.latencySamples", 20);
    for (int i = 0; i < samples; i++) {
      VmState want = i % 2 == 0 ? VmState.SHUTOFF : VmState.RUNNING;
      int seen = events.size();
      long start = System.nanoTime();
      sim.govc("vm.power", want == VmState.SHUTOFF ? "-off" : "-on", "-vm.uuid", vm.uuid());
      await(
          () ->
              events.events().stream()
                  .skip(seen)
                  .anyMatch(
                      e ->
                          e instanceof HypervisorEvent.VmChanged c
                              && c.vm().uuid().equals(vm.uuid())
                              && c.vm().state() == want));
      micros.add((System.nanoTime() - start) / 1000);
    }
    Collections.sort(micros);
    String line =
        "vsphere event latency (govc power change -> VmChanged, incl. govc start-up) over "
            + samples
            + " samples: p50 "
            + micros.get(samples / 2) / 1000
            + " ms, p99 "
            + micros.get(Math.min(samples - 1, (int) Math.ceil(samples * 0.99) - 1)) / 1000
            + " ms, max "
            + micros.get(samples - 1) / 1000
            + " ms";
    System.out.println(line);
    Files.writeString(Path.of("target/vsphere-latency.txt"), line + "\n");
    assertThat(micros).hasSize(samples);
  }

  private static VmPolicy policy(List<VmInfo> vms, String uuid) {
    return vms.stream().filter(v -> v.uuid().equals(uuid)).findFirst().orElseThrow().policy();
  }

  private static VmInfo running(HypervisorConnection connection) {
    return connection.inventory().vms().stream()
        .filter(v -> v.state() == VmState.RUNNING)
        .findFirst()
        .orElseThrow();
  }
}
