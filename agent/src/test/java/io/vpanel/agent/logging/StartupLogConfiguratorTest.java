package io.vpanel.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class StartupLogConfiguratorTest {
  @Test
  void logbackFindsItAsAService() {
    assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
        .contains(StartupLogConfigurator.class);
  }

  @Test
  void itLogsVpanelAtTheDefaultLevelAndLibrariesAtWarnOnStandardError() {
    LoggerContext context = new LoggerContext();
    StartupLogConfigurator configurator = new StartupLogConfigurator();
    configurator.setContext(context);

    assertThat(configurator.configure(context))
        .isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.vpanel").getLevel())
        .isEqualTo(Level.toLevel(LogSettings.defaults().level().name()));
    assertThat(context.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
    assertThat(root.getAppender("STDERR"))
        .isInstanceOfSatisfying(
            ConsoleAppender.class, appender -> assertThat(appender.isStarted()).isTrue());
    assertThat(((ConsoleAppender<?>) root.getAppender("STDERR")).getTarget())
        .isEqualTo("System.err");
  }
}
