package io.vpanel.driver.libvirt;

import org.libvirt.Error;
import org.libvirt.LibvirtException;

/** Turns libvirt's errors into operator-readable text and sorts out the ones that mean "gone". */
final class LibvirtErrors {
  private LibvirtErrors() {}

  /** libvirt's own message, without the binding's decoration. */
  static String message(LibvirtException e) {
    Error error = e.getError();
    String text = error == null ? e.getMessage() : error.getMessage();
    if (text == null || text.isBlank()) {
      text = e.toString();
    }
    return text.strip();
  }

  static Error.ErrorNumber code(LibvirtException e) {
    Error error = e.getError();
    return error == null ? null : error.getCode();
  }

  /** The domain no longer exists on this connection. */
  static boolean noDomain(LibvirtException e) {
    return code(e) == Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
  }

  /** The error means the connection to the daemon is broken, not that the request was bad. */
  static boolean connectionBroken(LibvirtException e) {
    Error.ErrorNumber code = code(e);
    if (code == null) {
      return false;
    }
    return switch (code) {
      case VIR_ERR_SYSTEM_ERROR, VIR_ERR_RPC, VIR_ERR_NO_CONNECT, VIR_ERR_INVALID_CONN -> true;
      case VIR_ERR_INTERNAL_ERROR -> {
        String text = message(e);
        yield text.contains("client socket is closed") || text.contains("connection closed");
      }
      default -> false;
    };
  }
}
