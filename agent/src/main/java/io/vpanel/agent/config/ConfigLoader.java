package io.vpanel.agent.config;

import io.vpanel.agent.logging.LogSettings;
import io.vpanel.core.DriverRegistry;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.engine.PfaSettings;
import io.vpanel.core.model.PfaAction;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.DriverProvider;
import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.AlertSourceProvider;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.management.ManagementBackendProvider;
import io.vpanel.spi.panel.PanelDriverProvider;
import io.vpanel.web.AlertmanagerSettings;
import io.vpanel.web.ApiSettings;
import io.vpanel.web.ApiTls;
import io.vpanel.web.ListenAddress;
import io.vpanel.web.PemFiles;
import io.vpanel.web.TlsSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads and validates the agent's YAML file. Unknown keys and bad values are refused at start with
 * the file, the line and how to fix it; nothing is half-applied.
 */
public final class ConfigLoader {
  private static final Set<String> TOP_KEYS =
      Set.of(
          "host",
          "hypervisor",
          "panels",
          "alerts",
          "management",
          "api",
          "journal",
          "maintenance",
          "logging");
  private static final Set<String> MAINTENANCE_KEYS =
      Set.of(
          "confirmHoldSeconds",
          "confirmWindowSeconds",
          "panelRenderTimeoutSeconds",
          "destinationsPerVm",
          "returnVmsOnExit",
          "pfaProtect",
          "pfa",
          "noProgressTimeoutSeconds",
          "maxDowntimeMillis",
          "autoConverge",
          "postCopy",
          "multifd",
          "compression");

  /** The keys of {@code maintenance.pfa} naming an alert severity, with the severity. */
  private static final Map<String, AlertSeverity> PFA_SEVERITY_KEYS =
      Map.of(
          "info", AlertSeverity.INFO,
          "warning", AlertSeverity.WARNING,
          "predictiveFailure", AlertSeverity.PREDICTIVE_FAILURE,
          "critical", AlertSeverity.CRITICAL);

  private static final Set<String> PFA_KEYS =
      Set.of(
          "info",
          "warning",
          "predictiveFailure",
          "critical",
          "debounceSeconds",
          "clearHoldSeconds",
          "maxAutomaticEntries",
          "entryWindowMinutes",
          "retrySeconds");

  /** The largest configuration file read; a real one is a few kilobytes. */
  public static final int MAX_FILE_BYTES = 256 * 1024;

  private final YAMLMapper mapper =
      YAMLMapper.builder(
              YAMLFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxStringLength(LocatedYaml.MAX_SCALAR_CHARS)
                          .maxNameLength(LocatedYaml.MAX_SCALAR_CHARS)
                          .maxNestingDepth(LocatedYaml.MAX_DEPTH)
                          .maxNumberLength(LocatedYaml.MAX_NUMBER_CHARS)
                          .maxDocumentLength(MAX_FILE_BYTES)
                          .build())
                  .loadSettings(
                      LoadSettings.builder()
                          .setCodePointLimit(MAX_FILE_BYTES)
                          .setMaxAliasesForCollections(0)
                          // LocatedYaml refuses a repeated key itself, naming both lines.
                          .setAllowDuplicateKeys(true)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          // 4.5 where a whole number belongs is a mistake to report, not a number to truncate.
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
          .build();

  public AgentConfig load(Path file) {
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw new ConfigException(file + ": is a directory; give the configuration file");
      }
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new ConfigException(
            file
                + ": "
                + size
                + " bytes is too large for a configuration (at most "
                + MAX_FILE_BYTES
                + "); is it the right file?");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException(
          file + ": cannot read the configuration (" + e.getMessage() + "); check the path");
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new ConfigException(file + ": grew beyond " + MAX_FILE_BYTES + " bytes while read");
    }
    return parse(file, utf8(file, bytes));
  }

  /** {@code bytes} as UTF-8 text, or a refusal naming the line of the first bad byte. */
  private static String utf8(Path file, byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(in, out, true);
    if (result.isError()) {
      int offset = in.position();
      int line = 1;
      for (int i = 0; i < offset; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new ConfigException(
          file
              + ":"
              + line
              + ": not UTF-8 text (byte "
              + (offset + 1)
              + " is not valid UTF-8); save the file as UTF-8");
    }
    return out.flip().toString();
  }

  public AgentConfig parse(Path file, String text) {
    LocatedYaml yaml = LocatedYaml.parse(file, text, mapper);
    JsonNode root = yaml.root();
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ConfigException(file + ": the configuration is empty; see docs/CONFIG.md");
    }
    if (!root.isObject()) {
      throw new ConfigException(file + ":1: the configuration must be a mapping of sections");
    }
    onlyKeys(yaml, root, "", TOP_KEYS);

    JsonNode host = section(yaml, root, "host");
    onlyKeys(yaml, host, "/host", Set.of("name"));
    Optional<String> givenName = string(yaml, host, "/host", "name");
    String hostName = givenName.orElseGet(ConfigLoader::machineName);
    String hostNameSource =
        givenName.isPresent()
            ? yaml.where("/host/name")
            : file + " (no host.name; the machine's name '" + hostName + "' was taken)";

    JsonNode hypervisorNode = root.get("hypervisor");
    if (hypervisorNode == null || !hypervisorNode.isObject()) {
      throw new ConfigException(
          file + ": missing section 'hypervisor'; add for example\n  hypervisor:\n    driver: sim");
    }
    String uri = string(yaml, hypervisorNode, "/hypervisor", "uri").orElse("");
    String migrationUri = string(yaml, hypervisorNode, "/hypervisor", "migrationUri").orElse(uri);
    DriverChoice hypervisor =
        driver(
            yaml,
            hypervisorNode,
            "/hypervisor",
            HypervisorDriverProvider.class,
            "hypervisor driver",
            Set.of("uri", "migrationUri"));

    List<DriverChoice> panels = new ArrayList<>();
    JsonNode panelsNode = root.get("panels");
    if (panelsNode == null) {
      panels.add(defaultChoice(PanelDriverProvider.class, "panel driver", "web"));
    } else {
      panels.addAll(list(yaml, panelsNode, "/panels", PanelDriverProvider.class, "panel driver"));
    }
    List<DriverChoice> alerts = new ArrayList<>();
    JsonNode alertsNode = root.get("alerts");
    if (alertsNode != null) {
      alerts.addAll(list(yaml, alertsNode, "/alerts", AlertSourceProvider.class, "alert driver"));
    }
    JsonNode managementNode = root.get("management");
    boolean noManagement =
        managementNode != null
            && managementNode.isString()
            && managementNode.asString().trim().equals("none");
    Optional<DriverChoice> management =
        noManagement
            ? Optional.empty()
            : managementNode == null
                ? Optional.of(
                    defaultChoice(ManagementBackendProvider.class, "management driver", "builtin"))
                : Optional.of(
                    driver(
                        yaml,
                        managementNode,
                        "/management",
                        ManagementBackendProvider.class,
                        "management driver",
                        Set.of()));

    JsonNode api = section(yaml, root, "api");
    onlyKeys(
        yaml,
        api,
        "/api",
        Set.of(
            "listen",
            "tokenFile",
            "tokensFile",
            "tokenName",
            "readsNeedToken",
            "allowedHosts",
            "maxEventStreams",
            "maxEventStreamsPerClient",
            "tls",
            "alertmanager"));
    String listenText = string(yaml, api, "/api", "listen").orElse("127.0.0.1:8080");
    ListenAddress listen;
    try {
      listen = ListenAddress.parse(listenText);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(yaml.where("/api/listen") + ": api.listen: " + e.getMessage());
    }
    Optional<Path> tokenFile = string(yaml, api, "/api", "tokenFile").map(Path::of);
    Optional<Path> tokensFile = string(yaml, api, "/api", "tokensFile").map(Path::of);
    if (tokenFile.isPresent() && tokensFile.isPresent()) {
      throw new ConfigException(
          yaml.where("/api/tokensFile")
              + ": give api.tokenFile (one token) or api.tokensFile (named tokens with roles),"
              + " not both");
    }
    String tokenName = string(yaml, api, "/api", "tokenName").orElse("default");
    if (!tokenName.matches("[A-Za-z0-9._@-]{1,64}")) {
      throw new ConfigException(
          yaml.where("/api/tokenName")
              + ": api.tokenName must be 1 to 64 letters, digits or . _ @ - (was '"
              + tokenName
              + "'); it names the token in the journal, never the token itself");
    }

    ApiSettings apiSettings;
    try {
      apiSettings =
          new ApiSettings(
              strings(yaml, api, "/api", "allowedHosts"),
              (int)
                  number(
                      yaml,
                      "api",
                      api,
                      "maxEventStreams",
                      ApiSettings.DEFAULT_MAX_EVENT_STREAMS,
                      1,
                      10_000),
              (int)
                  number(
                      yaml,
                      "api",
                      api,
                      "maxEventStreamsPerClient",
                      ApiSettings.DEFAULT_MAX_EVENT_STREAMS_PER_CLIENT,
                      1,
                      10_000),
              bool(yaml, "api", api, "readsNeedToken", false),
              Optional.empty());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(yaml.where("/api") + ": api." + e.getMessage());
    }
    if (api.has("tls")) {
      apiSettings = apiSettings.withTls(tls(yaml, section(yaml, api, "tls")));
    }
    if (api.has("alertmanager")) {
      apiSettings = apiSettings.withAlertmanager(alertmanager(yaml, api.get("alertmanager")));
    }

    JsonNode journal = section(yaml, root, "journal");
    onlyKeys(yaml, journal, "/journal", Set.of("path", "maxSizeMb", "retentionDays"));
    Optional<Path> journalPath = string(yaml, journal, "/journal", "path").map(Path::of);
    long journalMaxSizeMb = number(yaml, "journal", journal, "maxSizeMb", 64, 1, 1_000_000);
    int journalRetentionDays =
        (int) number(yaml, "journal", journal, "retentionDays", 90, 0, 36_500);

    EngineSettings engine = engine(yaml, section(yaml, root, "maintenance"));
    LogSettings logging = logging(yaml, section(yaml, root, "logging"));
    return new AgentConfig(
        hostName,
        hypervisor,
        uri,
        migrationUri,
        List.copyOf(panels),
        List.copyOf(alerts),
        management,
        listen.host(),
        listen.port(),
        tokenFile,
        tokensFile,
        journalPath,
        engine,
        tokenName,
        apiSettings,
        journalMaxSizeMb,
        journalRetentionDays,
        hostNameSource,
        logging);
  }

  /** {@code logging}: the line format and vpanel's log level. */
  private static LogSettings logging(LocatedYaml yaml, JsonNode node) {
    onlyKeys(yaml, node, "/logging", Set.of("format", "level"));
    LogSettings defaults = LogSettings.defaults();
    return new LogSettings(
        choice(yaml, node, "/logging", "format", LogSettings.Format::parse, LogSettings.FORMATS)
            .orElse(defaults.format()),
        choice(yaml, node, "/logging", "level", LogSettings.Level::parse, LogSettings.LEVELS)
            .orElse(defaults.level()));
  }

  /** One of a few words, or a refusal that lists them. */
  private static <T> Optional<T> choice(
      LocatedYaml yaml,
      JsonNode node,
      String pointer,
      String key,
      java.util.function.Function<String, Optional<T>> parse,
      String known) {
    Optional<String> text = string(yaml, node, pointer, key);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        parse
            .apply(text.get())
            .orElseThrow(
                () ->
                    new ConfigException(
                        yaml.where(pointer + "/" + key)
                            + ": unknown "
                            + key
                            + " '"
                            + text.get()
                            + "' (known: "
                            + known
                            + ")")));
  }

  /** {@code api.alertmanager}: which labels name the host, how long a notice is shown. */
  private static AlertmanagerSettings alertmanager(LocatedYaml yaml, JsonNode node) {
    String pointer = "/api/alertmanager";
    if (node.isNull()) {
      return AlertmanagerSettings.defaults();
    }
    if (!node.isObject()) {
      throw new ConfigException(
          yaml.where(pointer)
              + ": 'api.alertmanager' must be a mapping, for example\n  api:\n    alertmanager:\n"
              + "      hostLabels: [host, instance]\n      noticeTtlMinutes: 240");
    }
    onlyKeys(yaml, node, pointer, Set.of("hostLabels", "noticeTtlMinutes"));
    List<String> labels =
        node.has("hostLabels")
            ? strings(yaml, node, pointer, "hostLabels")
            : AlertmanagerSettings.DEFAULT_HOST_LABELS;
    long minutes =
        number(
            yaml,
            "api.alertmanager",
            node,
            "noticeTtlMinutes",
            AlertmanagerSettings.DEFAULT_NOTICE_TTL.toMinutes(),
            1,
            AlertmanagerSettings.MAX_NOTICE_TTL.toMinutes());
    try {
      return new AlertmanagerSettings(labels, Duration.ofMinutes(minutes));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          yaml.where(pointer + "/hostLabels")
              + ": api.alertmanager."
              + e.getMessage()
              + " (for example hostLabels: [host, instance, hostname])");
    }
  }

  /** {@code api.tls}: the files, checked now (readable, PEM, matching, current, key private). */
  private static TlsSettings tls(LocatedYaml yaml, JsonNode node) {
    String pointer = "/api/tls";
    onlyKeys(yaml, node, pointer, Set.of("certificate", "key", "clientCa", "reloadSeconds"));
    Optional<Path> certificate = string(yaml, node, pointer, "certificate").map(Path::of);
    Optional<Path> key = string(yaml, node, pointer, "key").map(Path::of);
    if (certificate.isEmpty() || key.isEmpty()) {
      throw new ConfigException(
          yaml.where(pointer)
              + ": api.tls needs both certificate and key (PEM files), for example\n"
              + "  api:\n    tls:\n      certificate: /etc/vpanel/tls/cert.pem\n"
              + "      key: /etc/vpanel/tls/key.pem");
    }
    Optional<Path> clientCa = string(yaml, node, pointer, "clientCa").map(Path::of);
    long reloadSeconds =
        number(
            yaml,
            "api.tls",
            node,
            "reloadSeconds",
            TlsSettings.DEFAULT_RELOAD_INTERVAL.toSeconds(),
            1,
            86_400);
    TlsSettings settings =
        new TlsSettings(certificate.get(), key.get(), clientCa, Duration.ofSeconds(reloadSeconds));
    try {
      ApiTls.check(settings);
    } catch (PemFiles.PemException e) {
      String message = e.getMessage();
      String field =
          message.startsWith(key.get() + ":")
              ? "key"
              : clientCa.isPresent() && message.startsWith(clientCa.get() + ":")
                  ? "clientCa"
                  : "certificate";
      throw new ConfigException(
          yaml.where(pointer + "/" + field) + ": api.tls." + field + ": " + message);
    }
    return settings;
  }

  private EngineSettings engine(LocatedYaml yaml, JsonNode node) {
    onlyKeys(yaml, node, "/maintenance", MAINTENANCE_KEYS);
    EngineSettings d = EngineSettings.defaults();
    MigrationOptions m = d.migration();
    try {
      MigrationOptions migration =
          new MigrationOptions(
              Duration.ofMillis(
                  number(
                      yaml,
                      "maintenance",
                      node,
                      "maxDowntimeMillis",
                      m.maxDowntime().toMillis(),
                      1,
                      60_000)),
              0,
              bool(yaml, "maintenance", node, "autoConverge", m.autoConverge()),
              bool(yaml, "maintenance", node, "postCopy", m.postCopy()));
      return d.toBuilder()
          .confirmHold(
              Duration.ofMillis(
                  Math.round(
                      1000
                          * decimal(
                              yaml,
                              "maintenance",
                              node,
                              "confirmHoldSeconds",
                              d.confirmHold().toMillis() / 1000.0,
                              0,
                              30))))
          .confirmWindow(
              Duration.ofMillis(
                  Math.round(
                      1000
                          * decimal(
                              yaml,
                              "maintenance",
                              node,
                              "confirmWindowSeconds",
                              d.confirmWindow().toMillis() / 1000.0,
                              1,
                              60))))
          .panelRenderTimeout(
              Duration.ofSeconds(
                  number(
                      yaml,
                      "maintenance",
                      node,
                      "panelRenderTimeoutSeconds",
                      d.panelRenderTimeout().toSeconds(),
                      1,
                      600)))
          .destinationsPerVm(
              (int)
                  number(
                      yaml, "maintenance", node, "destinationsPerVm", d.destinationsPerVm(), 1, 16))
          .migration(migration)
          .migrationFeatures(
              allowedFeatures(
                  migration.autoConverge(),
                  migration.postCopy(),
                  bool(yaml, "maintenance", node, "multifd", true),
                  bool(yaml, "maintenance", node, "compression", true)))
          .noProgressTimeout(
              Duration.ofSeconds(
                  number(
                      yaml,
                      "maintenance",
                      node,
                      "noProgressTimeoutSeconds",
                      d.noProgressTimeout().toSeconds(),
                      5,
                      3600)))
          .returnVmsOnExit(bool(yaml, "maintenance", node, "returnVmsOnExit", d.returnVmsOnExit()))
          .pfaProtect(bool(yaml, "maintenance", node, "pfaProtect", d.pfaProtect()))
          .pfa(pfa(yaml, node.get("pfa"), d.pfa()))
          .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(yaml.where("/maintenance") + ": " + e.getMessage());
    }
  }

  /** The migration features the operator allows the planner to choose, from four switches. */
  static Set<MigrationFeature> allowedFeatures(
      boolean autoConverge, boolean postCopy, boolean multifd, boolean compression) {
    Set<MigrationFeature> allowed = EnumSet.noneOf(MigrationFeature.class);
    if (autoConverge) {
      allowed.add(MigrationFeature.AUTO_CONVERGE);
    }
    if (postCopy) {
      allowed.add(MigrationFeature.POST_COPY);
    }
    if (multifd) {
      allowed.add(MigrationFeature.MULTIFD);
    }
    if (compression) {
      allowed.add(MigrationFeature.XBZRLE);
      if (multifd) {
        allowed.add(MigrationFeature.ZSTD);
      }
    }
    return allowed;
  }

  private static PfaSettings pfa(LocatedYaml yaml, JsonNode node, PfaSettings d) {
    if (node == null || node.isNull()) {
      return d;
    }
    String pointer = "/maintenance/pfa";
    if (!node.isObject()) {
      throw new ConfigException(
          yaml.where(pointer)
              + ": maintenance.pfa must be a mapping, for example\n  pfa:\n    warning: notify\n"
              + "    predictiveFailure: evacuate");
    }
    onlyKeys(yaml, node, pointer, PFA_KEYS);
    Map<AlertSeverity, PfaAction> actions = new EnumMap<>(AlertSeverity.class);
    actions.putAll(d.actions());
    PFA_SEVERITY_KEYS.forEach(
        (key, severity) ->
            string(yaml, node, pointer, key)
                .ifPresent(
                    text ->
                        actions.put(
                            severity,
                            PfaAction.parse(text)
                                .orElseThrow(
                                    () ->
                                        new ConfigException(
                                            yaml.where(pointer + "/" + key)
                                                + ": maintenance.pfa."
                                                + key
                                                + " must be ignore, notify, quarantine or"
                                                + " evacuate (was '"
                                                + text
                                                + "')")))));
    String section = "maintenance.pfa";
    return new PfaSettings(
        actions,
        Duration.ofSeconds(
            number(yaml, section, node, "debounceSeconds", d.debounce().toSeconds(), 0, 3600)),
        Duration.ofSeconds(
            number(yaml, section, node, "clearHoldSeconds", d.clearHold().toSeconds(), 0, 86_400)),
        (int) number(yaml, section, node, "maxAutomaticEntries", d.maxAutomaticEntries(), 1, 1000),
        Duration.ofMinutes(
            number(
                yaml, section, node, "entryWindowMinutes", d.entryWindow().toMinutes(), 1, 10_080)),
        Duration.ofSeconds(
            number(yaml, section, node, "retrySeconds", d.retryInterval().toSeconds(), 1, 3600)));
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private <P extends DriverProvider> List<DriverChoice> list(
      LocatedYaml yaml, JsonNode node, String pointer, Class<P> type, String kind) {
    if (!node.isArray()) {
      throw new ConfigException(
          yaml.where(pointer)
              + ": "
              + pointer.substring(1)
              + " must be a list, for example\n  "
              + pointer.substring(1)
              + ":\n    - driver: "
              + DriverRegistry.names(type).stream().findFirst().orElse("NAME"));
    }
    List<DriverChoice> choices = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      choices.add(driver(yaml, node.get(i), pointer + "/" + i, type, kind, Set.of()));
    }
    return choices;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private <P extends DriverProvider> DriverChoice defaultChoice(
      Class<P> type, String kind, String name) {
    return DriverChoice.byName(type, kind, name);
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private <P extends DriverProvider> DriverChoice driver(
      LocatedYaml yaml,
      JsonNode node,
      String pointer,
      Class<P> type,
      String kind,
      Set<String> commonKeys) {
    if (node == null || !node.isObject()) {
      throw new ConfigException(
          yaml.where(pointer)
              + ": expected a mapping with a 'driver' key, for example driver: "
              + String.join(" | ", DriverRegistry.names(type)));
    }
    String name =
        string(yaml, node, pointer, "driver")
            .orElseThrow(
                () ->
                    new ConfigException(
                        yaml.where(pointer)
                            + ": missing 'driver'; known "
                            + kind
                            + "s: "
                            + String.join(", ", DriverRegistry.names(type))));
    DriverProvider provider;
    try {
      provider = DriverRegistry.find(type, kind, name);
    } catch (DriverException e) {
      throw new ConfigException(yaml.where(pointer + "/driver") + ": " + e.getMessage());
    }
    ObjectNode own = ((ObjectNode) node).deepCopy();
    own.remove("driver");
    commonKeys.forEach(own::remove);
    ObjectNode merged = mapper.valueToTree(provider.defaultSettings());
    Iterator<Map.Entry<String, JsonNode>> fields = own.properties().iterator();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      merged.set(field.getKey(), field.getValue());
    }
    try {
      DriverSettings settings =
          (DriverSettings) mapper.treeToValue(merged, provider.settingsType());
      return new DriverChoice(provider, settings);
    } catch (UnrecognizedPropertyException e) {
      Set<String> known = new TreeSet<>();
      e.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
      known.addAll(commonKeys);
      known.add("driver");
      throw new ConfigException(
          yaml.where(pointer + pathOf(e))
              + ": unknown key '"
              + e.getPropertyName()
              + "' for the "
              + name
              + " "
              + kind
              + "; known keys: "
              + String.join(", ", known));
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String message = String.valueOf(cause.getMessage());
      // Settings records name the offending key first in their messages; point at its line.
      String key =
          own.propertyNames().stream()
              .filter(k -> message.startsWith(k + " ") || message.startsWith(k + ":"))
              .findFirst()
              .map(k -> "/" + k)
              .orElse("");
      throw new ConfigException(
          yaml.where(pointer + key) + ": bad value for the " + name + " " + kind + ": " + message);
    } catch (DatabindException e) {
      String key = pathOf(e).replaceFirst("^/", "");
      throw new ConfigException(
          yaml.where(pointer + pathOf(e))
              + ": bad value for '"
              + key
              + "' of the "
              + name
              + " "
              + kind
              + ": "
              + e.getOriginalMessage());
    } catch (JacksonException e) {
      // Any other read error: a number too large for its key (hosts: 99999999999999999999), a
      // number longer than the reader allows; each escaped once (found by fuzzing).
      throw new ConfigException(
          yaml.where(pointer)
              + ": bad value for the "
              + name
              + " "
              + kind
              + ": "
              + e.getOriginalMessage());
    }
  }

  /** The JSON pointer (relative to the bound section) of the value an error is about. */
  private static String pathOf(DatabindException e) {
    StringBuilder out = new StringBuilder();
    for (var reference : e.getPath()) {
      out.append('/')
          .append(
              reference.getPropertyName() != null
                  ? reference.getPropertyName()
                  : String.valueOf(reference.getIndex()));
    }
    return out.toString();
  }

  private static JsonNode section(LocatedYaml yaml, JsonNode root, String key) {
    JsonNode node = root.get(key);
    if (node == null || node.isNull()) {
      return yamlEmpty();
    }
    if (!node.isObject()) {
      throw new ConfigException(yaml.where("/" + key) + ": '" + key + "' must be a mapping");
    }
    return node;
  }

  private static JsonNode yamlEmpty() {
    return tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
  }

  private static void onlyKeys(LocatedYaml yaml, JsonNode node, String pointer, Set<String> known) {
    for (String key : node.propertyNames()) {
      if (!known.contains(key)) {
        String section = pointer.isEmpty() ? "the top level" : "'" + pointer.substring(1) + "'";
        throw new ConfigException(
            yaml.where(pointer + "/" + key)
                + ": unknown key '"
                + key
                + "' in "
                + section
                + "; known keys: "
                + String.join(", ", new TreeSet<>(known)));
      }
    }
  }

  private static Optional<String> string(
      LocatedYaml yaml, JsonNode node, String pointer, String key) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isValueNode() || value.isBoolean()) {
      throw new ConfigException(
          yaml.where(pointer + "/" + key) + ": '" + key + "' must be a string");
    }
    String text = value.asString().trim();
    if (text.isEmpty()) {
      throw new ConfigException(
          yaml.where(pointer + "/" + key) + ": '" + key + "' is empty; remove it or give a value");
    }
    return Optional.of(text);
  }

  /** A list of strings, empty when the key is absent. */
  private static List<String> strings(LocatedYaml yaml, JsonNode node, String pointer, String key) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new ConfigException(
          yaml.where(pointer + "/" + key) + ": '" + key + "' must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode item = value.get(i);
      if (!item.isString() || item.asString().isBlank()) {
        throw new ConfigException(
            yaml.where(pointer + "/" + key + "/" + i)
                + ": each entry of '"
                + key
                + "' must be a non-empty string");
      }
      out.add(item.asString().trim());
    }
    return out;
  }

  private static long number(
      LocatedYaml yaml,
      String section,
      JsonNode node,
      String key,
      long fallback,
      long min,
      long max) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.asLong() < min
        || value.asLong() > max) {
      throw new ConfigException(
          yaml.where("/" + section.replace('.', '/') + "/" + key)
              + ": "
              + section
              + "."
              + key
              + " must be a whole number from "
              + min
              + " to "
              + max
              + " (was "
              + value
              + ")");
    }
    return value.asLong();
  }

  private static double decimal(
      LocatedYaml yaml,
      String section,
      JsonNode node,
      String key,
      double fallback,
      double min,
      double max) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
      throw new ConfigException(
          yaml.where("/" + section + "/" + key)
              + ": "
              + section
              + "."
              + key
              + " must be a number from "
              + min
              + " to "
              + max
              + " (was "
              + value
              + ")");
    }
    return value.asDouble();
  }

  private static boolean bool(
      LocatedYaml yaml, String section, JsonNode node, String key, boolean fallback) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isBoolean()) {
      throw new ConfigException(
          yaml.where("/" + section + "/" + key)
              + ": "
              + section
              + "."
              + key
              + " must be true or false (was "
              + value
              + ")");
    }
    return value.asBoolean();
  }

  private static String machineName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
