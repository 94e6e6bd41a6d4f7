package io.vpanel.driver.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.MaintenanceRequest;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.spi.management.Notice;
import io.vpanel.testkit.EtcdCluster;
import io.vpanel.testkit.WallClockScheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several agents in one JVM, each its own {@link EtcdManagement} against one real {@link
 * EtcdCluster}, on a cluster name of their own so tests never see each other's keys. Closes them
 * all.
 */
final class EtcdAgents implements AutoCloseable {
  static final long GIB = 1L << 30;
  private static final AtomicInteger CLUSTERS = new AtomicInteger();

  private final EtcdCluster etcd;
  private final EtcdSettings settings;
  private final WallClockScheduler scheduler = new WallClockScheduler();
  private final List<EtcdManagement> agents = new ArrayList<>();
  private Client probe;

  EtcdAgents(EtcdCluster etcd, EtcdSettings settings) {
    this.etcd = etcd;
    this.settings = settings;
  }

  /** Test settings: a 3 s lease, the default 2 s election lease, max 1 host in maintenance. */
  static EtcdAgents on(EtcdCluster etcd) {
    return on(etcd, 1);
  }

  static EtcdAgents on(EtcdCluster etcd, int maxInMaintenance) {
    return new EtcdAgents(etcd, settings(etcd, maxInMaintenance));
  }

  /** The test settings against {@code etcd}, on a cluster name no other test uses. */
  static EtcdSettings settings(EtcdCluster etcd, int maxInMaintenance) {
    String cluster = "t" + CLUSTERS.incrementAndGet() + "-" + ProcessHandle.current().pid();
    return EtcdSettings.defaults()
        .withCluster(etcd.endpoints(), cluster)
        .withTimes(3, 2, maxInMaintenance, 5000);
  }

  EtcdSettings settings() {
    return settings;
  }

  EtcdKeys keys() {
    return new EtcdKeys(settings.cluster());
  }

  /** A started agent of {@code host}, reporting an operational host with this room. */
  Agent start(String host, long memoryGib, int vcpus) {
    return start(host, memoryGib, vcpus, settings);
  }

  Agent start(String host, long memoryGib, int vcpus, EtcdSettings own) {
    DriverContext context =
        new DriverContext(scheduler, host)
            .with(
                HostEndpoint.class,
                new HostEndpoint(host, "sim://" + host, "tcp://" + host + ":49152"));
    EtcdManagement management = new EtcdManagement(own, context);
    agents.add(management);
    Agent agent = new Agent(host, management, new Links());
    management.start(agent.links());
    agent.report(MaintenanceState.OPERATIONAL, memoryGib, vcpus, 0, 0);
    return agent;
  }

  /** A plain client for looking at the keys directly. */
  synchronized Client probe() {
    if (probe == null) {
      probe = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
    }
    return probe;
  }

  /** How many keys start with {@code prefix} now. */
  long count(String prefix) throws Exception {
    return probe()
        .getKVClient()
        .get(EtcdKeys.bytes(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
        .get(5, TimeUnit.SECONDS)
        .getCount();
  }

  @Override
  public void close() {
    for (EtcdManagement agent : agents) {
      try {
        agent.close();
      } catch (RuntimeException e) {
        // closing what a test left half-broken: the next agent still gets closed
      }
    }
    if (probe != null) {
      probe.close();
    }
    scheduler.close();
  }

  /** One agent: its host, its backend, what it reported to the engine. */
  record Agent(String host, EtcdManagement management, Links links) {
    void report(MaintenanceState state, long memoryGib, int vcpus, long usedGib, int usedVcpus) {
      management.publish(
          new HostReport(
              host,
              state,
              false,
              true,
              0,
              Optional.of(new HostCapacity(memoryGib * GIB, vcpus, 1_000_000_000L, 500_000_000L)),
              usedGib * GIB,
              usedVcpus,
              Instant.now()));
    }

    EtcdCoordinator coordinator() {
      return management.etcdCoordinator();
    }

    List<String> peerNames() {
      return management.peers().stream().map(HostEndpoint::name).toList();
    }
  }

  /** The link statuses an agent was told, in order. */
  static final class Links implements ManagementListener {
    final List<LinkStatus> statuses = new CopyOnWriteArrayList<>();
    final List<String> reasons = new CopyOnWriteArrayList<>();
    final List<Notice> notices = new CopyOnWriteArrayList<>();
    final List<MaintenanceRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    public void onLinkStatus(LinkStatus status, String reason) {
      statuses.add(status);
      reasons.add(status + " " + reason);
    }

    @Override
    public void onNotice(Notice notice) {
      notices.add(notice);
    }

    @Override
    public void onMaintenanceRequest(MaintenanceRequest request) {
      requests.add(request);
    }

    /** The statuses told from the {@code from}th on. */
    List<LinkStatus> since(int from) {
      return List.copyOf(statuses.subList(Math.min(from, statuses.size()), statuses.size()));
    }

    LinkStatus last() {
      return statuses.isEmpty() ? LinkStatus.NONE : statuses.get(statuses.size() - 1);
    }
  }
}
