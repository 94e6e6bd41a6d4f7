package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOptions.Compression;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.libvirt.Domain;

/** The driver's pure rules: offered features by version, flags per option, the metadata switch. */
class MigrationFeatureRulesTest {
  private static final long LIBVIRT_9_0 = 9_000_000;
  private static final long QEMU_7_2 = 7_002_000;

  @Test
  void libvirt90WithQemu72OffersAllButZstdAndPostCopyOnlyWhereItCanWork() {
    assertThat(LibvirtConnection.offeredFeatures(LIBVIRT_9_0, QEMU_7_2, false))
        .containsExactlyInAnyOrder(
            MigrationFeature.AUTO_CONVERGE, MigrationFeature.XBZRLE, MigrationFeature.MULTIFD);
    assertThat(LibvirtConnection.offeredFeatures(LIBVIRT_9_0, QEMU_7_2, true))
        .contains(MigrationFeature.POST_COPY)
        .doesNotContain(MigrationFeature.ZSTD);
    assertThat(LibvirtConnection.offeredFeatures(9_004_000, 5_000_000, false))
        .contains(MigrationFeature.ZSTD, MigrationFeature.MULTIFD);
    assertThat(LibvirtConnection.offeredFeatures(5_001_000, QEMU_7_2, true))
        .doesNotContain(MigrationFeature.MULTIFD, MigrationFeature.ZSTD);
    assertThat(LibvirtConnection.offeredFeatures(1_000_000, 1_000_000, true)).isEmpty();
  }

  @Test
  void onlyASystemDaemonOrALocalSessionWithUnprivilegedUserfaultfdCanPostCopy() {
    assertThat(LibvirtConnection.postCopyCanWork("qemu:///system")).isTrue();
    assertThat(LibvirtConnection.postCopyCanWork("qemu+tls://rack1-u01/system")).isTrue();
    assertThat(LibvirtConnection.postCopyCanWork("qemu+tcp://10.0.0.2/session")).isFalse();
    assertThat(LibvirtConnection.postCopyCanWork("not a uri")).isFalse();
  }

  @Test
  void flagsFollowTheOptions() {
    int base =
        Domain.MigrateFlags.LIVE
            | Domain.MigrateFlags.PEER2PEER
            | Domain.MigrateFlags.PERSIST_DEST
            | Domain.MigrateFlags.UNDEFINE_SOURCE;
    Duration d = Duration.ofMillis(300);
    assertThat(LibvirtMigration.flags(new MigrationOptions(d, 0, false, false))).isEqualTo(base);
    assertThat(
            LibvirtMigration.flags(new MigrationOptions(d, 0, false, false, 4, Compression.ZSTD)))
        .isEqualTo(base | Domain.MigrateFlags.PARALLEL | Domain.MigrateFlags.COMPRESSED);
    assertThat(
            LibvirtMigration.flags(new MigrationOptions(d, 0, true, true, 1, Compression.XBZRLE)))
        .isEqualTo(
            base
                | Domain.MigrateFlags.COMPRESSED
                | Domain.MigrateFlags.AUTO_CONVERGE
                | Domain.MigrateFlags.POSTCOPY);
    assertThat(Domain.MigrateFlags.PARALLEL).isEqualTo(1 << 17);
    assertThat(Domain.MigrateFlags.COMPRESSED).isEqualTo(1 << 11);
  }

  @Test
  void postCopyIsAllowedOnlyByThePolicyElementsAttribute() {
    String ns = "xmlns:vpanel='https://vpanel.io/xmlns/libvirt/1'";
    assertThat(
            LibvirtConnection.parsePostCopyAllowed(
                "<vpanel:vm " + ns + "><vpanel:policy postcopy=\"allow\">migrate</vpanel:policy>"))
        .isTrue();
    assertThat(
            LibvirtConnection.parsePostCopyAllowed("<vm><policy postcopy='ALLOW'>migrate</policy>"))
        .isTrue();
    assertThat(
            LibvirtConnection.parsePostCopyAllowed("<vm><policy postcopy='deny'>migrate</policy>"))
        .isFalse();
    assertThat(LibvirtConnection.parsePostCopyAllowed("<vm><policy>migrate</policy></vm>"))
        .isFalse();
    assertThat(LibvirtConnection.parsePostCopyAllowed(null)).isFalse();
    assertThat(
            LibvirtConnection.parsePolicy(
                "<vm><policy postcopy='allow'>shutdown</policy></vm>",
                io.vpanel.spi.hypervisor.VmPolicy.MIGRATE))
        .isEqualTo(io.vpanel.spi.hypervisor.VmPolicy.SHUTDOWN);
  }
}
