package io.vpanel.spi;

/** A driver could not do what was asked; the message is meant for the operator. */
public class DriverException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DriverException(String message) {
    super(message);
  }

  public DriverException(String message, Throwable cause) {
    super(message, cause);
  }
}
