package io.vpanel.agent.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * logback's configuration until the agent has read its own ({@link LogSetup#apply}): text lines on
 * standard error at {@link LogSettings#defaults()} (INFO, or {@code VPANEL_LOG_LEVEL}), libraries
 * at WARN, journald's shape under systemd. Found by logback as a service ({@code
 * META-INF/services/ch.qos.logback.classic.spi.Configurator}) before it looks for a {@code
 * logback.xml}, so no XML parser is loaded at start (about 400 classes of the agent's 6,500).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class StartupLogConfigurator extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setTarget("System.err");
    LogSetup.configure(context, LogSettings.defaults(), JournalStream.stderrIsJournal(), stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
