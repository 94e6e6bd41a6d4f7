package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;

/**
 * A SOAP fault from the server: the vim25 fault type ({@code InvalidLogin}, {@code
 * NotAuthenticated}, {@code MethodNotFound}, ...) and the server's message.
 */
public final class VimFault extends DriverException {
  private static final long serialVersionUID = 1L;

  private final String faultType;

  public VimFault(String faultType, String message) {
    super(faultType + (message == null || message.isBlank() ? "" : ": " + message));
    this.faultType = faultType;
  }

  /** The fault's vim25 type name without a namespace prefix. */
  public String faultType() {
    return faultType;
  }

  /** The session is gone (expired, logged out, server restarted): log in again. */
  public boolean notAuthenticated() {
    return "NotAuthenticated".equals(faultType);
  }
}
