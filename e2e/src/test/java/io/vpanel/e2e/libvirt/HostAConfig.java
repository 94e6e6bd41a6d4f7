package io.vpanel.e2e.libvirt;

import io.vpanel.testkit.libvirt.TwoHosts;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The agent configuration of host a of the two-host fixture, with b as its builtin peer, that the
 * libvirt e2e tests share: the driver, both URIs, no host reserve, progress every 250 ms,
 * auto-converge from 50 % in steps of 25 %, and downtime steps up to 2000 ms every 5 rounds (a
 * memtest guest under TCG still dirties about 13 MiB/s at a 99 % throttle: on a quiet CI machine
 * one ran 277 rounds without converging, and the test's evacuation never ended). Each test adds its
 * own hypervisor settings and the sections it needs (api, panels, journal).
 */
final class HostAConfig {
  private HostAConfig() {}

  /**
   * @param hypervisor more {@code key: value} lines for the hypervisor section
   * @param sections the YAML of the other top-level sections
   */
  static String yaml(TwoHosts hosts, List<String> hypervisor, String sections) {
    return """
        host:
          name: a
        hypervisor:
          driver: libvirt
          uri: "%s"
          migrationUri: "%s"
          hostReserveMiB: 0
          progressIntervalMillis: 250
          autoConvergeInitialPercent: 50
          autoConvergeIncrementPercent: 25
          downtimeCeilingMillis: 2000
          downtimeStepRounds: 5
        %s
        management:
          driver: builtin
          peers:
            - name: b
              uri: "%s"
              migrationUri: "%s"
        """
            .formatted(
                hosts.localUri('a'),
                hosts.uri('a'),
                hypervisor.stream().map(line -> "  " + line).collect(Collectors.joining("\n")),
                hosts.localUri('b'),
                hosts.uri('b'))
        + sections;
  }
}
