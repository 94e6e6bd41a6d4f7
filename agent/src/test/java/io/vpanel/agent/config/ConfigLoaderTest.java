package io.vpanel.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.logging.LogSettings;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.engine.PfaSettings;
import io.vpanel.core.management.BuiltinSettings;
import io.vpanel.core.model.PfaAction;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.web.WebPanelSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file: what a valid one yields, and how every kind of mistake is reported. */
class ConfigLoaderTest {
  @TempDir Path dir;

  private final ConfigLoader loader = new ConfigLoader();

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  /** A token or key file: mode 600, as the agent demands. */
  private Path secret(String name, String text) throws IOException {
    Path file = write(name, text);
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /** The message of the {@link ConfigException} loading {@code text} from {@code name} raises. */
  private String refusal(String name, String text) throws IOException {
    Path file = write(name, text);
    try {
      loader.load(file);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).as("every refusal names the file").contains(file.toString());
      return e.getMessage();
    }
    throw new AssertionError("expected " + name + " to be refused:\n" + text);
  }

  private static final String FULL =
      """
      host:
        name: sim-01
      hypervisor:
        driver: sim
        uri: sim:///sim-01
        migrationUri: sim+tcp://10.0.0.1/
        seed: 7
        hosts: 5
        vms: 30
        nicGbps: 25
        streamGbps: 5
      panels:
        - driver: web
      management:
        driver: builtin
        peers:
          - name: sim-02
            uri: sim:///sim-02
            migrationUri: sim+tcp://10.0.0.2/
          - name: sim-03
            uri: sim:///sim-03
        drs: manual
        ha: false
      api:
        listen: 0.0.0.0:9090
        tokenFile: /etc/vpanel/token
      journal:
        path: /var/lib/vpanel/journal.db
      maintenance:
        confirmHoldSeconds: 1.5
        confirmWindowSeconds: 8
        panelRenderTimeoutSeconds: 12
        destinationsPerVm: 3
        returnVmsOnExit: false
        pfaProtect: false
        noProgressTimeoutSeconds: 60
        maxDowntimeMillis: 500
        autoConverge: false
        postCopy: true
      """;

  @Test
  void aFullConfigurationLoadsWithItsValues() throws IOException {
    AgentConfig config = loader.load(write("full.yaml", FULL));

    assertThat(config.hostName()).isEqualTo("sim-01");
    assertThat(config.hypervisor().name()).isEqualTo("sim");
    assertThat(config.uri()).isEqualTo("sim:///sim-01");
    assertThat(config.migrationUri()).isEqualTo("sim+tcp://10.0.0.1/");
    assertThat(config.hypervisor().settings())
        .isEqualTo(
            new SimSettings(
                7, 5, 30, 25, 5, SimSettings.DEFAULT_TICK_MILLIS, SimSettings.DEFAULT_MAX_ROUNDS));

    assertThat(config.panels()).extracting(DriverChoice::name).containsExactly("web");
    assertThat(config.panels().get(0).settings()).isEqualTo(WebPanelSettings.defaults());
    assertThat(config.alerts()).isEmpty();

    assertThat(config.management()).isPresent();
    DriverChoice management = config.management().orElseThrow();
    assertThat(management.name()).isEqualTo("builtin");
    assertThat(management.settings())
        .isEqualTo(
            new BuiltinSettings(
                List.of(
                    new HostEndpoint("sim-02", "sim:///sim-02", "sim+tcp://10.0.0.2/"),
                    new HostEndpoint("sim-03", "sim:///sim-03", "sim:///sim-03")),
                DrsMode.MANUAL,
                false));

    assertThat(config.listenHost()).isEqualTo("0.0.0.0");
    assertThat(config.listenPort()).isEqualTo(9090);
    assertThat(config.tokenFile()).contains(Path.of("/etc/vpanel/token"));
    assertThat(config.journalPath()).contains(Path.of("/var/lib/vpanel/journal.db"));

    EngineSettings engine = config.engine();
    assertThat(engine.confirmHold()).isEqualTo(Duration.ofMillis(1500));
    assertThat(engine.destinationsPerVm()).isEqualTo(3);
    assertThat(engine.returnVmsOnExit()).isFalse();
    assertThat(engine.pfaProtect()).isFalse();
    assertThat(engine.noProgressTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(engine.migration().maxDowntime()).isEqualTo(Duration.ofMillis(500));
    assertThat(engine.migration().autoConverge()).isFalse();
    assertThat(engine.migration().postCopy()).isTrue();
    assertThat(engine.confirmWindow()).isEqualTo(Duration.ofSeconds(8));
    assertThat(engine.panelRenderTimeout()).isEqualTo(Duration.ofSeconds(12));
    assertThat(engine.inventoryTimeout()).isEqualTo(EngineSettings.defaults().inventoryTimeout());
  }

  @Test
  void missingSectionsTakeTheirDefaults() throws IOException {
    AgentConfig config = loader.load(write("minimal.yaml", "hypervisor:\n  driver: sim\n"));

    assertThat(config.hostName()).isNotBlank();
    assertThat(config.hypervisor().settings()).isEqualTo(SimSettings.defaults());
    assertThat(config.uri()).isEmpty();
    assertThat(config.migrationUri()).isEqualTo(config.uri());
    assertThat(config.panels()).extracting(DriverChoice::name).containsExactly("web");
    assertThat(config.alerts()).isEmpty();
    assertThat(config.management().map(DriverChoice::name)).contains("builtin");
    assertThat(config.management().orElseThrow().settings())
        .isEqualTo(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, true));
    assertThat(config.listenHost()).isEqualTo("127.0.0.1");
    assertThat(config.listenPort()).isEqualTo(8080);
    assertThat(config.tokenFile()).isEmpty();
    assertThat(config.journalPath()).isEmpty();
    assertThat(config.engine()).isEqualTo(EngineSettings.defaults());
  }

  @Test
  void managementNoneConfiguresNoBackend() throws IOException {
    AgentConfig config =
        loader.load(write("none.yaml", "hypervisor:\n  driver: sim\nmanagement: none\n"));

    assertThat(config.management()).isEmpty();
  }

  @Test
  void migrationUriDefaultsToTheUri() throws IOException {
    AgentConfig config =
        loader.load(
            write("uri.yaml", "hypervisor:\n  driver: sim\n  uri: qemu+tcp://10.0.0.7/system\n"));
    assertThat(config.uri()).isEqualTo("qemu+tcp://10.0.0.7/system");
    assertThat(config.migrationUri()).isEqualTo("qemu+tcp://10.0.0.7/system");
  }

  @Test
  void anUnknownTopLevelKeyNamesTheFileTheLineAndTheKnownKeys() throws IOException {
    String message =
        refusal(
            "unknown-top.yaml",
            """
            hypervisor:
              driver: sim
            api:
              listen: 127.0.0.1:8080
            logs: debug
            """);
    assertThat(message)
        .contains("unknown-top.yaml:5:")
        .contains("'logs'")
        .contains(
            "alerts, api, host, hypervisor, journal, logging, maintenance, management, panels");
  }

  @Test
  void loggingTakesItsFormatAndLevel() throws IOException {
    AgentConfig config =
        loader.load(
            write(
                "logging.yaml",
                "hypervisor:\n  driver: sim\nlogging:\n  format: json\n  level: debug\n"));
    assertThat(config.logging())
        .isEqualTo(new LogSettings(LogSettings.Format.JSON, LogSettings.Level.DEBUG));
    AgentConfig plain = loader.load(write("plain.yaml", "hypervisor:\n  driver: sim\n"));
    assertThat(plain.logging().format()).isEqualTo(LogSettings.Format.TEXT);
  }

  @Test
  void anUnknownLogFormatOrLevelIsRefusedAtItsLineWithTheKnownOnes() throws IOException {
    assertThat(refusal("format.yaml", "hypervisor:\n  driver: sim\nlogging:\n  format: xml\n"))
        .contains("format.yaml:4:")
        .contains("unknown format 'xml' (known: text, json)");
    assertThat(refusal("level.yaml", "hypervisor:\n  driver: sim\nlogging:\n  level: loud\n"))
        .contains("level.yaml:4:")
        .contains("unknown level 'loud' (known: error, warn, info, debug)");
    assertThat(refusal("key.yaml", "hypervisor:\n  driver: sim\nlogging:\n  colour: red\n"))
        .contains("key.yaml:4:")
        .contains("unknown key 'colour' in 'logging'; known keys: format, level");
  }

  @Test
  void anUnknownKeyInASectionNamesItsLine() throws IOException {
    String message =
        refusal(
            "unknown-api.yaml",
            """
            hypervisor:
              driver: sim
            api:
              listen: 127.0.0.1:8080
              tokenfile: /etc/vpanel/token
            """);
    assertThat(message)
        .contains("unknown-api.yaml:5:")
        .contains("'tokenfile'")
        .contains("tokenFile");
  }

  @Test
  void anUnknownKeyOfTheSimDriverNamesTheLineAndTheDriversKeys() throws IOException {
    String message =
        refusal(
            "unknown-sim.yaml",
            """
            host:
              name: sim-01
            hypervisor:
              driver: sim
              hosts: 4
              nicGpbs: 10
            """);
    assertThat(message)
        .contains("unknown-sim.yaml:6:")
        .contains("'nicGpbs'")
        .contains("sim")
        .contains("hosts", "vms", "nicGbps", "streamGbps", "seed", "tickMillis", "maxRounds")
        .contains("uri", "migrationUri", "driver");
  }

  @Test
  void anUnknownHypervisorDriverListsTheKnownOnes() throws IOException {
    String message =
        refusal(
            "unknown-driver.yaml",
            """
            hypervisor:
              driver: xen
            """);
    assertThat(message)
        .contains("unknown-driver.yaml:2:")
        .contains("'xen'")
        .containsPattern("known: ([a-z]+, )*sim");
  }

  @Test
  void anUnknownPanelDriverListsTheKnownOnes() throws IOException {
    String message =
        refusal(
            "unknown-panel.yaml",
            """
            hypervisor:
              driver: sim
            panels:
              - driver: web
              - driver: lcd
            """);
    assertThat(message)
        .contains("unknown-panel.yaml:5:")
        .contains("'lcd'")
        .containsPattern("known: ([a-z-]+, )*web\\)")
        .contains("lcdproc")
        .contains("sysfs")
        .contains("tui");
  }

  @Test
  void aMissingDriverKeyListsTheKnownDrivers() throws IOException {
    String message =
        refusal(
            "no-driver.yaml",
            """
            hypervisor:
              uri: qemu:///system
            """);
    assertThat(message).contains("no-driver.yaml:").contains("driver").contains("sim");
  }

  @Test
  void aValueOfTheWrongTypeNamesItsLine() throws IOException {
    String message =
        refusal(
            "bad-type.yaml",
            """
            hypervisor:
              driver: sim
              hosts: "four"
            """);
    assertThat(message).contains("bad-type.yaml:3:").contains("hosts");
  }

  @Test
  void anOutOfRangeValueIsRefusedWithTheRange() throws IOException {
    String message =
        refusal(
            "bad-range.yaml",
            """
            hypervisor:
              driver: sim
              hosts: 0
            """);
    assertThat(message).contains("bad-range.yaml:").contains("hosts").contains("between 1 and");
  }

  @Test
  void anOutOfRangeValueNamesTheLineOfThatValue() throws IOException {
    // The message of a bad value should point at the value's own line, like a bad type does.
    String message =
        refusal(
            "bad-range-line.yaml",
            """
            hypervisor:
              driver: sim
              seed: 3
              hosts: 0
            """);
    assertThat(message).contains("bad-range-line.yaml:4:");
  }

  @Test
  void theWebPanelTakesItsDisplaySize() throws IOException {
    AgentConfig config =
        loader.load(
            write(
                "web-size.yaml",
                """
                hypervisor:
                  driver: sim
                panels:
                  - driver: web
                    rows: 2
                    columns: 16
                """));
    assertThat(config.panels().get(0).settings()).isEqualTo(new WebPanelSettings(2, 16));
  }

  @Test
  void aTerminalPanelBindsEveryKeyAndDefaultsTheRest() throws IOException {
    AgentConfig config =
        loader.load(
            write(
                "tui.yaml",
                """
                hypervisor:
                  driver: sim
                panels:
                  - driver: tui
                    device: /dev/ttyS0
                    maintenanceKey: m
                    color: false
                """));
    assertThat(config.panels().get(0).name()).isEqualTo("tui");
    assertThat(config.panels().get(0).settings())
        .isEqualTo(
            new io.vpanel.driver.tui.TuiSettings(
                "/dev/ttyS0", 4, 20, "m", "Escape", false, "auto", 1000));
  }

  @Test
  void theTerminalPanelsSampleConfigurationLoads() throws IOException {
    Path sample = Path.of("../drivers/panel-tui/sample-config.yaml").toAbsolutePath().normalize();
    AgentConfig config = loader.load(sample);
    assertThat(config.panels()).extracting(DriverChoice::name).containsExactly("tui", "web");
    assertThat(config.panels().get(0).settings())
        .isEqualTo(io.vpanel.driver.tui.TuiSettings.defaults().onDevice("/dev/ttyS0"));
  }

  @Test
  void theLibvirtSampleConfigurationLoadsWithTheDefaultsItSaysItShows() throws IOException {
    Path sample =
        Path.of("../drivers/hypervisor-libvirt/sample-config.yaml").toAbsolutePath().normalize();
    AgentConfig config = loader.load(sample);
    assertThat(config.hypervisor().name()).isEqualTo("libvirt");
    assertThat(config.hypervisor().settings())
        .isEqualTo(io.vpanel.driver.libvirt.LibvirtSettings.defaults());
  }

  @Test
  void aTerminalPanelWithTheSameKeyTwiceIsRefusedAtItsLine() throws IOException {
    String message =
        refusal(
            "tui-keys.yaml",
            """
            hypervisor:
              driver: sim
            panels:
              - driver: tui
                backKey: enter
            """);
    assertThat(message)
        .contains("tui-keys.yaml:")
        .contains("bad value for the tui panel driver")
        .contains("maintenanceKey and backKey must differ, both are Enter");
  }

  @Test
  void aWebPanelDisplayOutOfRangeIsRefusedAtItsLine() throws IOException {
    String message =
        refusal(
            "web-rows.yaml",
            """
            hypervisor:
              driver: sim
            panels:
              - driver: web
                rows: 9
            """);
    assertThat(message)
        .contains("web-rows.yaml:5:")
        .contains("bad value for the web panel driver")
        .contains("rows must be from 1 to 8, was 9");
  }

  @Test
  void aListenAddressWithoutPortIsRefusedWithTheFix() throws IOException {
    String message =
        refusal(
            "no-port.yaml",
            """
            hypervisor:
              driver: sim
            api:
              listen: 127.0.0.1
            """);
    assertThat(message)
        .contains("no-port.yaml:4:")
        .contains("ADDRESS:PORT")
        .contains("127.0.0.1:8080")
        .contains("'127.0.0.1'");
  }

  @Test
  void aListenPortOutOfRangeIsRefused() throws IOException {
    String message =
        refusal(
            "big-port.yaml",
            """
            hypervisor:
              driver: sim
            api:
              listen: 127.0.0.1:70000
            """);
    assertThat(message).contains("big-port.yaml:4:").contains("ADDRESS:PORT");
  }

  @Test
  void pfaActionsAndLimitsAreReadPerSeverity() throws IOException {
    AgentConfig config =
        loader.load(
            write(
                "pfa.yaml",
                """
                hypervisor:
                  driver: sim
                maintenance:
                  pfa:
                    warning: quarantine
                    predictiveFailure: QUARANTINE
                    debounceSeconds: 0
                    clearHoldSeconds: 120
                    maxAutomaticEntries: 1
                    entryWindowMinutes: 30
                    retrySeconds: 5
                """));
    PfaSettings pfa = config.engine().pfa();
    assertThat(pfa.action(AlertSeverity.INFO)).isEqualTo(PfaAction.IGNORE);
    assertThat(pfa.action(AlertSeverity.WARNING)).isEqualTo(PfaAction.QUARANTINE);
    assertThat(pfa.action(AlertSeverity.PREDICTIVE_FAILURE)).isEqualTo(PfaAction.QUARANTINE);
    assertThat(pfa.action(AlertSeverity.CRITICAL)).isEqualTo(PfaAction.EVACUATE);
    assertThat(pfa.debounce()).isZero();
    assertThat(pfa.clearHold()).isEqualTo(Duration.ofMinutes(2));
    assertThat(pfa.maxAutomaticEntries()).isEqualTo(1);
    assertThat(pfa.entryWindow()).isEqualTo(Duration.ofMinutes(30));
    assertThat(pfa.retryInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(loader.load(write("no-pfa.yaml", "hypervisor:\n  driver: sim\n")).engine().pfa())
        .isEqualTo(PfaSettings.defaults());
  }

  @Test
  void badPfaSettingsAreRefusedAtTheirLine() throws IOException {
    assertThat(
            refusal(
                "pfa-action.yaml",
                "hypervisor:\n  driver: sim\nmaintenance:\n  pfa:\n    critical: reboot\n"))
        .contains("pfa-action.yaml:5:")
        .contains("maintenance.pfa.critical must be ignore, notify, quarantine or evacuate")
        .contains("'reboot'");
    assertThat(
            refusal(
                "pfa-key.yaml",
                "hypervisor:\n  driver: sim\nmaintenance:\n  pfa:\n    fatal: evacuate\n"))
        .contains("pfa-key.yaml:5:")
        .contains("unknown key 'fatal'")
        .contains("predictiveFailure");
    assertThat(
            refusal(
                "pfa-range.yaml",
                "hypervisor:\n  driver: sim\nmaintenance:\n  pfa:\n    maxAutomaticEntries: 0\n"))
        .contains("pfa-range.yaml:5:")
        .contains("maintenance.pfa.maxAutomaticEntries must be a whole number from 1 to 1000");
    assertThat(
            refusal(
                "pfa-shape.yaml", "hypervisor:\n  driver: sim\nmaintenance:\n  pfa: evacuate\n"))
        .contains("pfa-shape.yaml:4:")
        .contains("maintenance.pfa must be a mapping");
  }

  @Test
  void aNegativeConfirmHoldIsRefused() throws IOException {
    String message =
        refusal(
            "hold.yaml",
            """
            hypervisor:
              driver: sim
            maintenance:
              confirmHoldSeconds: -1
            """);
    assertThat(message)
        .contains("hold.yaml:4:")
        .contains("maintenance.confirmHoldSeconds")
        .contains("(was -1)");
  }

  @Test
  void aConfirmWindowOutsideItsRangeIsRefused() throws IOException {
    String message =
        refusal(
            "window.yaml",
            """
            hypervisor:
              driver: sim
            maintenance:
              confirmWindowSeconds: 0.5
            """);
    assertThat(message)
        .contains("window.yaml:4:")
        .contains("maintenance.confirmWindowSeconds")
        .contains("(was 0.5)");
  }

  @Test
  void theApiSectionTakesAllowedHostsAndStreamLimits() throws IOException {
    AgentConfig config =
        loader.load(
            write(
                "api.yaml",
                """
                hypervisor:
                  driver: sim
                api:
                  allowedHosts: [vpanel.example.org, "*.rack12.example.org"]
                  maxEventStreams: 40
                  maxEventStreamsPerClient: 4
                """));
    assertThat(config.api().allowedHosts())
        .containsExactly("vpanel.example.org", "*.rack12.example.org");
    assertThat(config.api().maxEventStreams()).isEqualTo(40);
    assertThat(config.api().maxEventStreamsPerClient()).isEqualTo(4);
    assertThat(loader.load(write("none.yaml", "hypervisor:\n  driver: sim\n")).api())
        .isEqualTo(io.vpanel.web.ApiSettings.defaults());
  }

  @Test
  void badApiLimitsAndNamesAreRefusedWithTheLine() throws IOException {
    assertThat(
            refusal(
                "streams.yaml",
                """
                hypervisor:
                  driver: sim
                api:
                  maxEventStreams: 4
                  maxEventStreamsPerClient: 8
                """))
        .contains("streams.yaml:")
        .contains("maxEventStreamsPerClient must be between 1 and maxEventStreams (4), was 8");
    assertThat(
            refusal(
                "names.yaml",
                """
                hypervisor:
                  driver: sim
                api:
                  allowedHosts: ["evil example"]
                """))
        .contains("names.yaml:")
        .contains("'evil example' is not a host name");
  }

  @Test
  void aNumberBeyondSixtyFourBitsIsRefusedNotAStackTrace() throws IOException {
    assertThat(
            refusal(
                "big.yaml",
                """
                hypervisor:
                  driver: sim
                maintenance:
                  noProgressTimeoutSeconds: 99999999999999999999999
                """))
        .contains("big.yaml:4:")
        .contains("maintenance.noProgressTimeoutSeconds must be a whole number from 5 to 3600");
  }

  @Test
  void aFractionWhereADriverWantsAWholeNumberIsRefused() throws IOException {
    assertThat(
            refusal(
                "fraction.yaml",
                """
                hypervisor:
                  driver: sim
                  hosts: 4.5
                """))
        .contains("fraction.yaml:3:")
        .contains("hosts");
  }

  @Test
  void aMaintenanceFlagThatIsNotBooleanIsRefused() throws IOException {
    String message =
        refusal(
            "flag.yaml",
            """
            hypervisor:
              driver: sim
            maintenance:
              returnVmsOnExit: sometimes
            """);
    assertThat(message).contains("flag.yaml:4:").contains("true or false");
  }

  @Test
  void anUnknownMaintenanceKeyListsTheKnownOnes() throws IOException {
    String message =
        refusal(
            "maint-key.yaml",
            """
            hypervisor:
              driver: sim
            maintenance:
              holdSeconds: 2
            """);
    assertThat(message)
        .contains("maint-key.yaml:4:")
        .contains("'holdSeconds'")
        .contains("confirmHoldSeconds");
  }

  @Test
  void invalidYamlNamesTheLine() throws IOException {
    String message =
        refusal(
            "indent.yaml",
            """
            hypervisor:
              driver: sim
               hosts: 4
            """);
    assertThat(message).contains("indent.yaml:3:").contains("not valid YAML");
  }

  @Test
  void anEmptyFileIsRefused() throws IOException {
    String message = refusal("empty.yaml", "");
    assertThat(message).contains("empty");
  }

  @Test
  void aFileOfOnlyCommentsIsRefusedAsEmpty() throws IOException {
    String message = refusal("comments.yaml", "# nothing here yet\n");
    assertThat(message).contains("empty");
  }

  @Test
  void aTopLevelThatIsNotAMappingIsRefused() throws IOException {
    String message = refusal("list.yaml", "- hypervisor\n- panels\n");
    assertThat(message).contains("list.yaml:1:").contains("mapping");
  }

  @Test
  void aMissingHypervisorSectionShowsAnExample() throws IOException {
    String message =
        refusal(
            "no-hypervisor.yaml",
            """
            api:
              listen: 127.0.0.1:8080
            """);
    assertThat(message).contains("'hypervisor'").contains("hypervisor:\n    driver: sim");
  }

  @Test
  void panelsThatAreNotAListAreRefusedWithAnExample() throws IOException {
    String message =
        refusal(
            "panels.yaml",
            """
            hypervisor:
              driver: sim
            panels:
              driver: web
            """);
    assertThat(message).contains("panels.yaml:").contains("must be a list").contains("- driver:");
  }

  @Test
  void aMissingFileIsRefusedWithItsPath() {
    Path missing = dir.resolve("nowhere.yaml");
    assertThatThrownBy(() -> loader.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("cannot read");
  }

  // ---------------------------------------------------------------- starting from a file

  @Test
  void anAgentWithoutTokenFileIsRefusedWithHowToCreateOne() throws IOException {
    AgentConfig config =
        loader.load(
            write(
                "no-token.yaml",
                """
                host:
                  name: sim-01
                hypervisor:
                  driver: sim
                api:
                  listen: 127.0.0.1:0
                """));
    assertThat(config.tokenFile()).isEqualTo(Optional.empty());
    assertThatThrownBy(() -> Wiring.startAgent(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("api.tokenFile")
        .hasMessageContaining("/dev/urandom");
  }

  @Test
  void anAgentWithAShortTokenIsRefused() throws IOException {
    Path token = secret("short-token", "abc\n");
    AgentConfig config =
        loader.load(
            write(
                "short-token.yaml",
                """
                host:
                  name: sim-01
                hypervisor:
                  driver: sim
                api:
                  listen: 127.0.0.1:0
                  tokenFile: %s
                """
                    .formatted(token)));
    assertThatThrownBy(() -> Wiring.startAgent(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(token.toString())
        .hasMessageContaining("at least 16");
  }

  @Test
  void anAgentWithATokenFileStartsServesAndCloses() throws Exception {
    String secret = "file-token-0123456789abcdef";
    Path token = secret("token", secret + "\n");
    AgentConfig config =
        loader.load(
            write(
                "agent.yaml",
                """
                host:
                  name: sim-01
                hypervisor:
                  driver: sim
                panels:
                  - driver: web
                management:
                  driver: builtin
                api:
                  listen: 127.0.0.1:0
                  tokenFile: %s
                """
                    .formatted(token)));
    HttpClient http = HttpClient.newHttpClient();
    String url;
    try (RunningAgent agent = Wiring.startAgent(config)) {
      assertThat(agent.token()).isEqualTo(secret);
      assertThat(agent.port()).isPositive();
      url = agent.url();
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/healthz")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      HttpResponse<String> hosts =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/api/v1/hosts")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(hosts.statusCode()).isEqualTo(200);
      assertThat(hosts.body()).contains("\"sim-01\"").doesNotContain(secret);
    }
    assertThatThrownBy(
            () ->
                http.send(
                    HttpRequest.newBuilder(URI.create(url + "/healthz"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .as("closed agent no longer serves")
        .isInstanceOf(IOException.class);
  }

  @Test
  void anAgentNamedAfterAHostTheSimulatorLacksFailsToStart() throws IOException {
    Path token = secret("token2", "file-token-0123456789abcdef\n");
    AgentConfig config =
        loader.load(
            write(
                "stranger.yaml",
                """
                host:
                  name: rack12-u07
                hypervisor:
                  driver: sim
                api:
                  listen: 127.0.0.1:0
                  tokenFile: %s
                """
                    .formatted(token)));
    assertThatThrownBy(() -> Wiring.startAgent(config))
        .hasMessageContaining("rack12-u07")
        .hasMessageContaining("sim-01");
  }
}
