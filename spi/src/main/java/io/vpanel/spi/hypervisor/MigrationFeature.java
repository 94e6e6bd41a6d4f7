package io.vpanel.spi.hypervisor;

import java.util.Locale;

/**
 * A feature of the hypervisor's live migration that can be switched on per migration. A driver says
 * which its host offers ({@link HostInventory#migrationFeatures()}); the planner chooses per guest;
 * the driver falls back to running without one the peer refuses and says so in {@link
 * MigrationStats#fallback()}.
 */
public enum MigrationFeature {
  /** Throttle the guest's vCPUs while pre-copy does not converge (QEMU auto-converge). */
  AUTO_CONVERGE,
  /**
   * Switch to post-copy when pre-copy does not converge: the guest runs on the destination and
   * fetches the pages it still lacks. If the link fails after the switch the guest is lost, so only
   * guests whose policy allows it ({@link VmInfo#postCopyAllowed()}) get it.
   */
  POST_COPY,
  /** Several parallel connections for one migration (QEMU multifd). */
  MULTIFD,
  /** XBZRLE: re-sent pages go as deltas against a cache of what was sent (single stream). */
  XBZRLE,
  /** zstd compression of every page (QEMU multifd compression; needs {@link #MULTIFD}). */
  ZSTD;

  /** The name in config files, the API and the journal: {@code auto-converge}, {@code zstd}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses a {@link #label()} (any case, {@code _} or {@code -}). */
  public static MigrationFeature parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown migration feature '"
              + text
              + "' (use auto-converge, post-copy, multifd, xbzrle or zstd)",
          e);
    }
  }
}
