package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.core.RealTimeScheduler;
import io.vpanel.core.journal.HostMemory;
import io.vpanel.core.journal.Journal;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.HostStatus;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.SimHypervisorDriver;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Subscription;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorListener;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The owner thread never blocks on a peer: with one hypervisor whose inventory read hangs and
 * another whose take-over query hangs at restart, the engine keeps answering, its panels keep
 * drawing, and the hung host shows its hypervisor unreachable. Also: a listener sees its first
 * snapshot on the owner thread.
 */
class HungHypervisorTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final RealTimeScheduler scheduler = new RealTimeScheduler();
  private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
  private final CountDownLatch hang = new CountDownLatch(1);
  private SimCluster cluster;
  private ClusterEngine engine;

  @AfterEach
  void stop() {
    hang.countDown();
    if (engine != null) {
      engine.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    io.shutdownNow();
    scheduler.close();
  }

  /** A connection whose chosen calls never return (until the test ends). */
  private final class Hanging implements HypervisorConnection {
    private final HypervisorConnection real;
    private final boolean inventoryHangs;
    private final boolean reattachHangs;

    Hanging(HypervisorConnection real, boolean inventoryHangs, boolean reattachHangs) {
      this.real = real;
      this.inventoryHangs = inventoryHangs;
      this.reattachHangs = reattachHangs;
    }

    private void block() {
      try {
        hang.await(10, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public HostEndpoint endpoint() {
      return real.endpoint();
    }

    @Override
    public HostInventory inventory() {
      if (inventoryHangs) {
        block();
      }
      return real.inventory();
    }

    @Override
    public Subscription subscribe(HypervisorListener listener) {
      return real.subscribe(listener);
    }

    @Override
    public MigrationHandle migrate(
        String uuid, HostEndpoint destination, MigrationOptions options, MigrationListener l) {
      return real.migrate(uuid, destination, options, l);
    }

    @Override
    public Optional<MigrationInProgress> reattach(String uuid, MigrationListener listener) {
      if (reattachHangs) {
        block();
      }
      return real.reattach(uuid, listener);
    }

    @Override
    public void shutdown(String uuid) {
      real.shutdown(uuid);
    }

    @Override
    public void suspend(String uuid) {
      real.suspend(uuid);
    }

    @Override
    public void start(String uuid) {
      real.start(uuid);
    }

    @Override
    public void close() {
      real.close();
    }
  }

  /** A journal that remembers h1 evacuating, with one guest on its way to h2. */
  private static Journal restartedMidEvacuation(VmInfo guest) {
    HostMemory.ItemMemory item =
        new HostMemory.ItemMemory(
            guest.uuid(),
            guest.name(),
            guest.memoryBytes(),
            guest.vcpus(),
            "h1",
            null,
            "h2",
            List.of(),
            List.of(),
            HostMemory.ItemStatus.RUNNING,
            "h2");
    HostMemory memory =
        new HostMemory(
            "h1",
            MaintenanceState.ENTERING,
            java.time.Instant.now(),
            "requested by api:test",
            "GO: 1 VM -> 1 host",
            Map.of(),
            List.of(),
            new HostMemory.BatchMemory(
                "EVACUATE",
                1,
                false,
                null,
                1,
                guest.memoryBytes(),
                List.of(item),
                Map.of(),
                List.of()));
    return new RememberingJournal(memory);
  }

  private HostStatus status(String host) {
    return engine.snapshot().host(host).orElseThrow();
  }

  @Test
  void hungInventoryAndTakeOverAtRestartLeaveTheEngineAnswering() throws Exception {
    HostCapacity capacity = new HostCapacity(32 * GIB, 16, 1_250_000_000L, 500_000_000L);
    cluster =
        SimCluster.builder(scheduler)
            .host("h1", capacity)
            .host("h2", capacity)
            .host("h3", capacity)
            .vm("h1", VmSpec.running("web", GIB, 1, 0, GIB / 10))
            .build();
    VmInfo guest = cluster.vmsOn("h1").get(0);
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    LivePanels.Recording panel = new LivePanels.Recording("lcd", 4, 20);
    List<HostBinding> bindings = new ArrayList<>();
    bindings.add(
        new HostBinding(
            new Hanging(driver.connect(SimHypervisorDriver.endpointOf("h1")), false, true),
            true,
            List.of(panel),
            List.of()));
    bindings.add(
        new HostBinding(
            new Hanging(driver.connect(SimHypervisorDriver.endpointOf("h2")), true, false),
            false,
            List.of(),
            List.of()));
    bindings.add(
        new HostBinding(
            driver.connect(SimHypervisorDriver.endpointOf("h3")), false, List.of(), List.of()));
    EngineSettings settings =
        EngineSettings.defaults().toBuilder().inventoryTimeout(Duration.ofSeconds(1)).build();
    engine =
        new ClusterEngine(scheduler, io, settings, null, bindings, restartedMidEvacuation(guest));
    List<Boolean> onOwner = new CopyOnWriteArrayList<>();
    engine.addListener(
        new ClusterListener() {
          @Override
          public void onSnapshot(ClusterSnapshot snapshot) {
            onOwner.add(scheduler.inOwnerThread());
          }
        });
    engine.start();

    // h2's read never answers: after the timeout it is shown unreachable, and h1's restored run
    // asks h1 for its migration — which never answers either.
    await().atMost(WAIT).until(() -> !status("h2").hypervisorConnected());
    await()
        .atMost(WAIT)
        .until(
            () -> status("h1").maintenance().progress().map(p -> p.vmsLeft() == 1).orElse(false));
    assertThat(status("h1").maintenance().state()).isEqualTo(MaintenanceState.ENTERING);

    // The owner thread answers commands and keeps publishing.
    assertThat(engine.plan("h3").get(5, TimeUnit.SECONDS).source()).isEqualTo("h3");
    long version = engine.snapshot().version();
    assertThat(
            engine
                .postNotice("h1", "CALL NOC", Duration.ofMinutes(5), "test")
                .get(5, TimeUnit.SECONDS)
                .accepted())
        .isTrue();
    await().atMost(WAIT).until(() -> engine.snapshot().version() > version);
    await()
        .atMost(WAIT)
        .until(
            () ->
                panel.last() != null
                    && panel.last().lines().stream().anyMatch(l -> l.startsWith("CALL NOC")));
    assertThat(onOwner).isNotEmpty().containsOnly(true);
  }
}
