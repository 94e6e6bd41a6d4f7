package io.vpanel.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.OutputStream;
import org.slf4j.LoggerFactory;

/**
 * Puts the logging in the shape {@link LogSettings} asks for, on standard error: text lines or JSON
 * lines; under systemd (journald) without a timestamp of our own and with the syslog priority
 * prefix. vpanel's loggers ({@code io.vpanel}) log at the chosen level, libraries at WARN.
 *
 * <p>{@link StartupLogConfigurator} gives the same text shape before the configuration is read
 * (logback finds it as a service instead of parsing a {@code logback.xml}).
 */
public final class LogSetup {
  static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
  static final String JOURNAL_PATTERN = "%priority%logger{0} - %msg%n";

  private LogSetup() {}

  /** Applies {@code settings}; journald is detected from the environment. */
  public static void apply(LogSettings settings) {
    apply(settings, JournalStream.stderrIsJournal());
  }

  static void apply(LogSettings settings, boolean journald) {
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setTarget("System.err");
    apply(settings, journald, stderr);
  }

  /** As {@link #apply(LogSettings, boolean)}, writing to {@code out} instead (for tests). */
  static void apply(LogSettings settings, boolean journald, OutputStream out) {
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setOutputStream(out);
    apply(settings, journald, appender);
  }

  private static void apply(
      LogSettings settings, boolean journald, OutputStreamAppender<ILoggingEvent> stderr) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding (tests of other modules): leave it alone
    }
    context.reset();
    configure(context, settings, journald, stderr);
  }

  /**
   * Sets up {@code context} (logback's own, or the one it is initialising) as {@code settings} say.
   */
  static void configure(
      LoggerContext context,
      LogSettings settings,
      boolean journald,
      OutputStreamAppender<ILoggingEvent> stderr) {
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setEncoder(encoder(settings.format(), journald, context));
    stderr.start();

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    // The operator's levels carry logback's names.
    context.getLogger("io.vpanel").setLevel(Level.toLevel(settings.level().name()));
    context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
    context.getLogger("io.javalin").setLevel(Level.WARN);
  }

  private static Encoder<ILoggingEvent> encoder(
      LogSettings.Format format, boolean journald, LoggerContext context) {
    if (format == LogSettings.Format.JSON) {
      JsonLinesEncoder json = new JsonLinesEncoder();
      json.setContext(context);
      json.setPriorityPrefix(journald);
      json.start();
      return json;
    }
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.getInstanceConverterMap().put("priority", SyslogPriority::new);
    layout.setPattern(journald ? JOURNAL_PATTERN : TEXT_PATTERN);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
    text.setContext(context);
    text.setLayout(layout);
    text.start();
    return text;
  }
}
