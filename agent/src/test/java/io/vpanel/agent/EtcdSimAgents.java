package io.vpanel.agent;

import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.VmView;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.testkit.SecretFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Agents of the agent tests that run the sim hypervisor with {@code management: {driver: etcd}},
 * each started from a configuration file of its own as an operator writes it, and what those tests
 * read of an agent's view. Closes every agent it started.
 */
final class EtcdSimAgents implements AutoCloseable {
  private final Path dir;
  private final String cluster;
  private final List<RunningAgent> started = new ArrayList<>();

  EtcdSimAgents(Path dir, String cluster) {
    this.dir = dir;
    this.cluster = cluster;
  }

  /**
   * An agent of {@code host}: a simulator of {@code simHosts} hosts and {@code vms} guests from
   * {@code seed}, etcd at {@code endpoints} (3 s lease, max 1 host in maintenance), its API on a
   * free loopback port, and {@code extra} YAML appended (panels, a journal).
   */
  RunningAgent start(
      String host, int simHosts, int vms, int seed, List<String> endpoints, String extra)
      throws IOException {
    Path token = SecretFile.write(dir.resolve(host + ".token"), "etcd-sim-agent-token-" + host);
    Path file = dir.resolve(host + ".yaml");
    Files.writeString(
        file,
        """
        host:
          name: %s
        hypervisor:
          driver: sim
          hosts: %d
          vms: %d
          seed: %d
          migrationUri: sim+tcp://%s/
        management:
          driver: etcd
          endpoints: [%s]
          cluster: %s
          leaseTtlSeconds: 3
          maxHostsInMaintenance: 1
        api:
          listen: 127.0.0.1:0
          tokenFile: %s
        """
                .formatted(
                    host, simHosts, vms, seed, host, String.join(", ", endpoints), cluster, token)
            + extra);
    RunningAgent agent = Wiring.startAgent(new ConfigLoader().load(file));
    started.add(agent);
    return agent;
  }

  /** Stops {@code agent} now (a clean stop: it revokes its lease), before the others. */
  void stop(RunningAgent agent) {
    started.remove(agent);
    agent.close();
  }

  /** The journal file of {@code host}'s agent, for {@code extra}. */
  String journalYaml(String host) {
    return "journal:\n  path: " + dir.resolve(host + "-journal.db") + "\n";
  }

  /** True when every one of {@code agents} has its own host's management link CONNECTED. */
  static boolean linksConnected(List<RunningAgent> agents) {
    return agents.stream()
        .allMatch(
            a ->
                a.engine().snapshot().hosts().stream()
                    .filter(HostStatus::controlled)
                    .allMatch(h -> h.managementLink() == LinkStatus.CONNECTED));
  }

  static HostStatus host(RunningAgent agent, String host) {
    return agent.engine().snapshot().host(host).orElseThrow();
  }

  static int guestsOn(RunningAgent agent, String host) {
    return host(agent, host).vms().size();
  }

  /** Each guest's host by uuid, as {@code agent} sees it. */
  static Map<String, String> placement(RunningAgent agent) {
    Map<String, String> out = new HashMap<>();
    for (HostStatus h : agent.engine().snapshot().hosts()) {
      for (VmView vm : h.vms()) {
        out.put(vm.vm().uuid(), h.name());
      }
    }
    return out;
  }

  /** The hosts each guest is on by uuid, as {@code agent} sees it (one each, unless doubled). */
  static Map<String, List<String>> where(RunningAgent agent) {
    Map<String, List<String>> out = new HashMap<>();
    for (HostStatus h : agent.engine().snapshot().hosts()) {
      for (VmView vm : h.vms()) {
        out.computeIfAbsent(vm.vm().uuid(), u -> new ArrayList<>()).add(h.name());
      }
    }
    return out;
  }

  @Override
  public void close() {
    started.forEach(RunningAgent::close);
  }
}
