package io.vpanel.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The syslog priority prefix journald reads from a service's output ({@code SyslogLevelPrefix=}, on
 * by default): {@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug. As a
 * logback converter it is {@code %priority}.
 */
public final class SyslogPriority extends ClassicConverter {
  static String prefix(Level level) {
    if (level.isGreaterOrEqual(Level.ERROR)) {
      return "<3>";
    }
    if (level.isGreaterOrEqual(Level.WARN)) {
      return "<4>";
    }
    if (level.isGreaterOrEqual(Level.INFO)) {
      return "<6>";
    }
    return "<7>";
  }

  @Override
  public String convert(ILoggingEvent event) {
    return prefix(event.getLevel());
  }
}
