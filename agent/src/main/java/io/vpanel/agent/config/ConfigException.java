package io.vpanel.agent.config;

/** The configuration is refused; the message names the file, the line and a fix. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
