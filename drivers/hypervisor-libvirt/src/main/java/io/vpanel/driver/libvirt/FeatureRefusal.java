package io.vpanel.driver.libvirt;

import io.vpanel.spi.hypervisor.MigrationFeature;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * Tells whether a failed migration call was libvirt or QEMU refusing one of the requested features
 * (so the driver may run again without it), and which. A refusal is an error of the "not supported
 * / invalid argument" kind, or a QEMU command error (libvirt's {@code unable to execute QEMU
 * command 'migrate-set-capabilities': Postcopy is not supported}), whose text names a feature that
 * was requested. An error that names none is not a refusal: nothing is dropped on a guess.
 */
final class FeatureRefusal {
  /** "zstd compression needs parallel migration" names zstd, not multifd. */
  private static final List<MigrationFeature> MOST_SPECIFIC_FIRST =
      List.of(
          MigrationFeature.ZSTD,
          MigrationFeature.XBZRLE,
          MigrationFeature.POST_COPY,
          MigrationFeature.AUTO_CONVERGE,
          MigrationFeature.MULTIFD);

  private FeatureRefusal() {}

  /** The requested feature {@code e} refuses, if it is a refusal. */
  static Optional<MigrationFeature> refused(LibvirtException e, Set<MigrationFeature> requested) {
    if (!refusalKind(e)) {
      return Optional.empty();
    }
    String text = LibvirtErrors.message(e).toLowerCase(Locale.ROOT);
    for (MigrationFeature feature : MOST_SPECIFIC_FIRST) {
      if (requested.contains(feature) && names(text, feature)) {
        return Optional.of(feature);
      }
    }
    if (text.contains("compress")) { // "compression method ...", the method not named
      if (requested.contains(MigrationFeature.ZSTD)) {
        return Optional.of(MigrationFeature.ZSTD);
      }
      if (requested.contains(MigrationFeature.XBZRLE)) {
        return Optional.of(MigrationFeature.XBZRLE);
      }
    }
    return Optional.empty();
  }

  /** Who refused, for the operator: QEMU when libvirt passes on a QEMU error, else libvirt. */
  static String refuser(LibvirtException e) {
    return LibvirtErrors.message(e).contains("QEMU") ? "qemu" : "libvirt";
  }

  private static boolean refusalKind(LibvirtException e) {
    ErrorNumber code = LibvirtErrors.code(e);
    if (code == null) {
      return false;
    }
    return switch (code) {
      case VIR_ERR_ARGUMENT_UNSUPPORTED,
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_ERR_NO_SUPPORT,
          VIR_ERR_INVALID_ARG,
          VIR_ERR_OPERATION_INVALID ->
          true;
      case VIR_ERR_INTERNAL_ERROR, VIR_ERR_OPERATION_FAILED -> {
        String text = LibvirtErrors.message(e);
        yield text.contains("QEMU command") || text.toLowerCase(Locale.ROOT).contains("capabilit");
      }
      default -> false;
    };
  }

  private static boolean names(String text, MigrationFeature feature) {
    return switch (feature) {
      case ZSTD -> text.contains("zstd");
      case XBZRLE -> text.contains("xbzrle");
      case POST_COPY -> text.contains("postcopy") || text.contains("post-copy");
      case MULTIFD -> text.contains("multifd") || text.contains("parallel");
      case AUTO_CONVERGE ->
          text.contains("auto-converge")
              || text.contains("auto_converge")
              || text.contains("autoconverge");
    };
  }
}
