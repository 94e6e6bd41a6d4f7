package io.vpanel.agent.logging;

import java.util.Locale;
import java.util.Optional;

/**
 * How the agent logs, from the {@code logging:} section.
 *
 * @param format {@code text} (one line per event) or {@code json} (one JSON object per line)
 * @param level the level of vpanel's own loggers; libraries stay at WARN
 */
public record LogSettings(Format format, Level level) {
  /** The line format. */
  public enum Format {
    TEXT,
    JSON;

    public static Optional<Format> parse(String text) {
      return switch (text.toLowerCase(Locale.ROOT)) {
        case "text" -> Optional.of(TEXT);
        case "json" -> Optional.of(JSON);
        default -> Optional.empty();
      };
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The levels an operator chooses from. */
  public enum Level {
    ERROR,
    WARN,
    INFO,
    DEBUG;

    public static Optional<Level> parse(String text) {
      return switch (text.toLowerCase(Locale.ROOT)) {
        case "error" -> Optional.of(ERROR);
        case "warn", "warning" -> Optional.of(WARN);
        case "info" -> Optional.of(INFO);
        case "debug" -> Optional.of(DEBUG);
        default -> Optional.empty();
      };
    }
  }

  public static final String FORMATS = "text, json";
  public static final String LEVELS = "error, warn, info, debug";

  public LogSettings {
    if (format == null || level == null) {
      throw new IllegalArgumentException("a log format and level are needed");
    }
  }

  /** Text at INFO, or the level {@code VPANEL_LOG_LEVEL} names. */
  public static LogSettings defaults() {
    String fromEnvironment = System.getenv("VPANEL_LOG_LEVEL");
    Level level =
        fromEnvironment == null ? Level.INFO : Level.parse(fromEnvironment).orElse(Level.INFO);
    return new LogSettings(Format.TEXT, level);
  }
}
