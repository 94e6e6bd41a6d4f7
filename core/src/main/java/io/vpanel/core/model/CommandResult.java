package io.vpanel.core.model;

/** The answer to a maintenance request: accepted, or refused with the reason. */
public record CommandResult(boolean accepted, String message) {
  public static CommandResult accepted(String message) {
    return new CommandResult(true, message);
  }

  public static CommandResult refused(String reason) {
    return new CommandResult(false, reason);
  }
}
