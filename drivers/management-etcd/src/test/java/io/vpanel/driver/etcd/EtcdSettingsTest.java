package io.vpanel.driver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.management.ManagementBackendProvider;
import io.vpanel.testkit.WallClockScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd driver's settings refuse what cannot work, each with the key and the fix. */
class EtcdSettingsTest {
  @TempDir Path dir;

  private static EtcdSettings defaults() {
    return EtcdSettings.defaults();
  }

  @Test
  void theProviderIsFoundAsManagementDriverEtcd() {
    assertThat(ServiceLoader.load(ManagementBackendProvider.class).stream())
        .map(p -> p.get().name())
        .contains("etcd");
    EtcdSettings settings = new EtcdManagementProvider().defaultSettings();
    assertThat(settings.endpoints()).containsExactly("http://127.0.0.1:2379");
    assertThat(settings.cluster()).isEqualTo("default");
    assertThat(settings.leaseTtlSeconds()).isEqualTo(10);
    assertThat(settings.electionTtlSeconds()).isEqualTo(2);
    assertThat(settings.maxHostsInMaintenance()).isEqualTo(1);
  }

  @Test
  void endpointsMustBeHttpUrlsWithAPort() {
    assertThatThrownBy(() -> defaults().withCluster(List.of(), "c"))
        .hasMessageStartingWith("endpoints must list etcd's client URLs");
    assertThatThrownBy(() -> defaults().withCluster(List.of("10.0.0.1:2379"), "c"))
        .hasMessage(
            "endpoints: each must be http://host:port or https://host:port, was 10.0.0.1:2379");
    assertThatThrownBy(() -> defaults().withCluster(List.of("http://10.0.0.1"), "c"))
        .hasMessageContaining("was http://10.0.0.1");
    assertThatThrownBy(() -> defaults().withCluster(List.of("https://10.0.0.1:2379"), "c"))
        .hasMessage("endpoints: https://10.0.0.1:2379 is https:// but no caFile is given");
  }

  @Test
  void theClusterNameStaysInsideOneKeySegment() {
    assertThatThrownBy(() -> defaults().withCluster(List.of("http://127.0.0.1:2379"), "a/b"))
        .hasMessage("cluster must be 1 to 64 letters, digits, '.', '_' or '-', was 'a/b'");
  }

  @Test
  void timesAndLimitsAreRangeChecked() {
    assertThatThrownBy(() -> defaults().withTimes(1, 2, 1, 0))
        .hasMessage("leaseTtlSeconds must be between 2 and 300, was 1");
    assertThatThrownBy(() -> defaults().withTimes(10, 0, 1, 0))
        .hasMessage("electionTtlSeconds must be between 1 and 60, was 0");
    assertThatThrownBy(() -> defaults().withTimes(10, 2, 0, 0))
        .hasMessage("maxHostsInMaintenance must be between 1 and 1000, was 0");
  }

  @Test
  void tlsAndCredentialsComeInPairs() {
    assertThatThrownBy(
            () ->
                new EtcdSettings(
                    List.of("https://10.0.0.1:2379"),
                    "c",
                    10,
                    2,
                    1,
                    2000,
                    5000,
                    "/ca.pem",
                    "/cert.pem",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    null,
                    null,
                    null,
                    null,
                    null))
        .hasMessage("certFile and keyFile go together");
    assertThatThrownBy(() -> defaults().withSecurity("", "/c.pem", "/k.pem", "", ""))
        .hasMessage("certFile needs caFile (a client certificate is sent over TLS only)");
    assertThatThrownBy(() -> defaults().withSecurity("", "", "", "vpanel", ""))
        .hasMessage("user and passwordFile go together");
    assertThatThrownBy(() -> defaults().withSecurity("/ca.pem", "", "", "", ""))
        .hasMessage(
            "endpoints: with caFile every endpoint must be https://, was http://127.0.0.1:2379");
  }

  @Test
  void aPasswordFileOthersCanReadIsRefusedAtStart() throws Exception {
    Path password = dir.resolve("etcd-password");
    Files.writeString(password, "secret\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
    EtcdSettings settings = defaults().withSecurity("", "", "", "vpanel", password.toString());
    try (WallClockScheduler scheduler = new WallClockScheduler()) {
      assertThatThrownBy(
              () ->
                  new EtcdManagementProvider().create(settings, new DriverContext(scheduler, "h")))
          .isInstanceOf(DriverException.class)
          .hasMessageContaining("chmod 600 " + password);
    }
  }
}
