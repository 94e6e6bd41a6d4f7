package io.vpanel.agent;

import io.vpanel.agent.ApiClient.CliException;
import io.vpanel.agent.config.AgentConfig;
import io.vpanel.agent.config.ConfigException;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.agent.logging.LogSettings;
import io.vpanel.agent.logging.LogSetup;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.plan.Sizes;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.DriverException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** The {@code vpanel} command line. */
@Command(
    name = "vpanel",
    mixinStandardHelpOptions = true,
    version = "vpanel 0.1.0",
    description = "Virtualization status and maintenance on the server's own front panel.",
    subcommands = {
      Main.Demo.class,
      Main.Agent.class,
      Main.Ready.class,
      Main.TokenCommand.class,
      Main.Status.class,
      Main.PlanCommand.class,
      Main.Maintenance.class,
      Main.JournalCommand.class
    })
public final class Main implements Runnable {
  /** Exit status of {@code plan} when the pre-check says NO-GO (2 is picocli's usage error). */
  static final int NO_GO_EXIT = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit status (for tests). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof CliException
              || e instanceof ConfigException
              || e instanceof DriverException
              || e instanceof io.vpanel.web.ApiServer.ListenException
              || e instanceof io.vpanel.web.PemFiles.PemException
              || e instanceof IllegalArgumentException) {
            commandLine.getErr().println("vpanel: " + e.getMessage());
            return 1;
          }
          throw e;
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  // ---------------------------------------------------------------- servers

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      description = "Start a simulated cluster with a web front panel per host.")
  static final class Demo implements Callable<Integer> {
    @Option(
        names = "--port",
        defaultValue = "8080",
        description = "API and panel port (0: any free port)")
    int port;

    @Option(names = "--listen", defaultValue = "127.0.0.1", description = "Address to listen on")
    String listen;

    @Option(names = "--hosts", defaultValue = "4", description = "Simulated hosts")
    int hosts;

    @Option(names = "--vms", defaultValue = "24", description = "Simulated VMs in the cluster")
    int vms;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the simulated cluster")
    long seed;

    @Option(names = "--token", description = "API token (default: a random one, printed)")
    String token;

    @Option(
        names = "--nic-gbps",
        defaultValue = "10",
        description = "Migration network bandwidth of each host, Gb/s")
    double nicGbps;

    @Option(
        names = "--hold-seconds",
        defaultValue = "3",
        description = "How long the maintenance button must be held")
    double holdSeconds;

    @Option(
        names = "--journal",
        paramLabel = "PATH",
        description =
            "Keep the journal in this SQLite file (default: a temporary file, deleted when the"
                + " demo stops)")
    Path journal;

    @Option(
        names = "--log-format",
        defaultValue = "text",
        paramLabel = "FORMAT",
        description = "Log lines as text or json (one JSON object per line), on standard error")
    String logFormat;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      LogSettings.Format format =
          LogSettings.Format.parse(logFormat)
              .orElseThrow(
                  () ->
                      new CommandLine.ParameterException(
                          spec.commandLine(),
                          "unknown --log-format '"
                              + logFormat
                              + "' (known: "
                              + LogSettings.FORMATS
                              + ")"));
      LogSetup.apply(new LogSettings(format, LogSettings.defaults().level()));
      SimSettings defaults = SimSettings.defaults();
      SimSettings sim =
          new SimSettings(
              seed,
              hosts,
              vms,
              nicGbps,
              Math.min(defaults.streamGbps(), nicGbps),
              defaults.tickMillis(),
              defaults.maxRounds());
      if (holdSeconds < 0 || holdSeconds > 30) {
        throw new IllegalArgumentException("--hold-seconds must be from 0 to 30");
      }
      EngineSettings engine =
          EngineSettings.defaults()
              .withConfirmHold(Duration.ofMillis(Math.round(holdSeconds * 1000)));
      RunningAgent agent =
          Wiring.startDemo(
              new Wiring.DemoOptions(
                  listen, port, sim, token, engine, java.util.Optional.ofNullable(journal)));
      PrintWriter out = spec.commandLine().getOut();
      int running = agent.engine().snapshot().runningVms();
      startupLines(out, agent, hosts, running == 0 ? vms : running, seed, holdSeconds);
      out.flush();
      awaitShutdown(agent);
      return 0;
    }
  }

  /** What {@code vpanel demo} prints once it serves: where to look, the token, the journal. */
  static void startupLines(
      PrintWriter out, RunningAgent agent, int hosts, int vms, long seed, double holdSeconds) {
    out.printf(
        Locale.ROOT,
        "vpanel demo: %d simulated hosts, %d VMs (seed %d)%n"
            + "  Front panels: %s/#token=%s%n"
            + "  API:          %s/api/v1/hosts%n"
            + "  Token:        %s%n",
        hosts,
        vms,
        seed,
        agent.url(),
        agent.token(),
        agent.url(),
        agent.token());
    agent
        .demoJournal()
        .ifPresent(
            path ->
                out.printf(
                    Locale.ROOT,
                    "  Journal:      %s (%s)%n",
                    path,
                    agent.demoJournalIsTemporary()
                        ? "temporary, deleted when the demo stops; --journal PATH keeps it"
                        : "kept"));
    out.printf(
        Locale.ROOT,
        "Hold a host's maintenance button for %.0f s to empty it. Ctrl-C stops the demo.%n",
        holdSeconds);
  }

  @Command(
      name = "agent",
      mixinStandardHelpOptions = true,
      description = "Run the agent of this host from a configuration file.")
  static final class Agent implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The YAML configuration file")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      AgentConfig loaded = new ConfigLoader().load(config);
      LogSetup.apply(loaded.logging());
      RunningAgent agent = Wiring.startAgent(loaded);
      spec.commandLine().getOut().println("vpanel agent: serving " + agent.url() + "/");
      spec.commandLine().getOut().flush();
      awaitShutdown(agent);
      return 0;
    }
  }

  @Command(
      name = "ready",
      mixinStandardHelpOptions = true,
      description =
          "Wait until the agent of a configuration answers on its API address (the systemd"
              + " unit's readiness check); exit 0 once it does, 1 at the timeout.")
  static final class Ready implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The agent's YAML configuration")
    Path config;

    @Option(
        names = "--timeout",
        defaultValue = "60",
        description = "Seconds to wait (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      if (timeoutSeconds < 0 || timeoutSeconds > 3600) {
        throw new IllegalArgumentException("--timeout must be from 0 to 3600 seconds");
      }
      io.vpanel.agent.config.AgentConfig agent = new ConfigLoader().load(config);
      if (new ReadyCheck(java.time.Clock.systemUTC())
          .await(agent, Duration.ofSeconds(timeoutSeconds))) {
        return 0;
      }
      spec.commandLine()
          .getErr()
          .println(
              "vpanel: the agent did not answer at "
                  + ReadyCheck.describe(ReadyCheck.target(agent))
                  + " within "
                  + timeoutSeconds
                  + " s");
      return 1;
    }
  }

  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      description =
          "Make a new API token: prints the token (give it to its holder; it is not stored) and"
              + " the line for api.tokensFile (only its SHA-256 is stored).")
  static final class TokenCommand implements Callable<Integer> {
    @CommandLine.Parameters(index = "0", description = "The token's name, recorded in the journal")
    String name;

    @CommandLine.Parameters(index = "1", description = io.vpanel.web.Role.LABELS)
    String role;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (!name.matches("[A-Za-z0-9._@-]{1,64}")) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "a token's name is 1 to 64 letters, digits or . _ @ -");
      }
      if (io.vpanel.web.Role.parse(role).isEmpty()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "unknown role '" + role + "' (" + io.vpanel.web.Role.LABELS + ")");
      }
      String token = Wiring.newToken();
      spec.commandLine().getErr().println("token (shown once, give it to " + name + "): " + token);
      spec.commandLine()
          .getOut()
          .println(name + " " + role + " " + io.vpanel.web.ApiTokens.hash(token));
      return 0;
    }
  }

  private static void awaitShutdown(RunningAgent agent) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  stopped.countDown();
                },
                "vpanel-shutdown"));
    stopped.await();
  }

  // ---------------------------------------------------------------- clients

  /** Where the agent is and the token, shared by the client commands. */
  static final class ClientOptions {
    @Option(
        names = "--url",
        defaultValue = "${env:VPANEL_URL:-http://127.0.0.1:8080}",
        description = "The agent's URL (env VPANEL_URL; default ${DEFAULT-VALUE})")
    String url;

    @Option(
        names = "--token",
        defaultValue = "${env:VPANEL_TOKEN}",
        description = "API token for changes (env VPANEL_TOKEN)")
    String token;

    @Option(
        names = "--ca",
        defaultValue = "${env:VPANEL_CA}",
        description =
            "PEM file of the CA that signed the agent's TLS certificate (env VPANEL_CA; default:"
                + " the JDK's trusted CAs)")
    Path ca;

    @Option(
        names = "--cert",
        defaultValue = "${env:VPANEL_CERT}",
        description = "PEM client certificate for an agent with mutual TLS (env VPANEL_CERT)")
    Path cert;

    @Option(
        names = "--key",
        defaultValue = "${env:VPANEL_KEY}",
        description = "PEM private key of --cert, mode 600 (env VPANEL_KEY)")
    Path key;

    ApiClient client() {
      return new ApiClient(url, token, new ApiClient.Tls(ca, cert, key));
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show every host.")
  static final class Status implements Callable<Integer> {
    @CommandLine.Mixin ClientOptions options;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      ApiClient.Reply reply = options.client().get("/api/v1/hosts");
      if (reply.status() != 200) {
        throw new CliException(reply.error());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "%-16s %-15s %4s  %-10s %-11s %-9s %-12s %s%n",
          "HOST", "STATE", "VMS", "LINK", "PFA", "DRS", "HA", "DISPLAY");
      for (JsonNode host : reply.body().get("hosts")) {
        JsonNode lines = host.path("panel").path("lines");
        String display = lines.isArray() && lines.size() > 1 ? lines.get(1).asString().trim() : "";
        out.printf(
            "%-16s %-15s %4d  %-10s %-11s %-9s %-12s %s%n",
            host.get("name").asString(),
            host.path("maintenance").path("state").asString(),
            host.get("runningVms").asInt(),
            host.get("managementLink").asString(),
            host.get("pfaProtect").asString(),
            host.get("drs").asString(),
            host.get("ha").asString(),
            display);
      }
      return 0;
    }
  }

  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      description = "Dry-run the pre-check of emptying HOST.")
  static final class PlanCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HOST")
    String host;

    @CommandLine.Mixin ClientOptions options;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      ApiClient.Reply reply = options.client().get("/api/v1/hosts/" + host + "/maintenance/plan");
      if (reply.status() != 200) {
        throw new CliException(reply.error());
      }
      JsonNode plan = reply.body();
      PrintWriter out = spec.commandLine().getOut();
      out.println(plan.get("summary").asString());
      for (JsonNode move : plan.get("moves")) {
        JsonNode features = move.get("features");
        out.printf(
            "  %-16s %9s  -> %-12s %s%n",
            move.get("vm").asString(),
            Sizes.bytes(move.get("memoryBytes").asLong()),
            move.get("destination").asString(),
            features == null ? "" : features.asString());
      }
      plan.get("shutdowns").forEach(vm -> out.println("  " + vm.asString() + ": shut down"));
      plan.get("suspends").forEach(vm -> out.println("  " + vm.asString() + ": suspended"));
      if (plan.get("go").asBoolean()) {
        out.println("  concurrency at start: " + plan.get("concurrency").asInt());
        JsonNode predicted = plan.get("predictedSeconds");
        if (predicted != null && predicted.asDouble() > 0) {
          out.printf("  predicted: %.1f s%n", predicted.asDouble());
        }
      }
      return plan.get("go").asBoolean() ? 0 : NO_GO_EXIT;
    }
  }

  @Command(
      name = "maintenance",
      mixinStandardHelpOptions = true,
      description = "Enter, exit or cancel maintenance of HOST.")
  static final class Maintenance implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ACTION", description = "enter, exit or cancel")
    String action;

    @Parameters(index = "1", paramLabel = "HOST")
    String host;

    @Option(names = "--wait", description = "Follow progress until the host settles")
    boolean wait;

    @Option(
        names = "--timeout",
        defaultValue = "3600",
        description = "Seconds --wait waits at most (default ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @CommandLine.Mixin ClientOptions options;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      String verb = action.toLowerCase(Locale.ROOT);
      if (!verb.equals("enter") && !verb.equals("exit") && !verb.equals("cancel")) {
        throw new CliException("unknown action '" + action + "' (use enter, exit or cancel)");
      }
      ApiClient client = options.client();
      ApiClient.Reply reply =
          client.post("/api/v1/hosts/" + host + "/maintenance", Map.of("action", verb));
      PrintWriter out = spec.commandLine().getOut();
      if (reply.status() != 202) {
        throw new CliException(host + ": " + reply.error());
      }
      out.println(host + ": " + reply.body().get("message").asString());
      out.flush();
      if (!wait) {
        return 0;
      }
      String target = verb.equals("enter") ? "IN_MAINTENANCE" : "OPERATIONAL";
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
      String last = "";
      while (System.nanoTime() < deadline) {
        ApiClient.Reply status = client.get("/api/v1/hosts/" + host);
        if (status.status() != 200) {
          throw new CliException(status.error());
        }
        JsonNode m = status.body().get("maintenance");
        String state = m.get("state").asString();
        String line = progressLine(status.body(), m);
        if (!line.equals(last)) {
          out.println(line);
          out.flush();
          last = line;
        }
        if (state.equals(target)) {
          return 0;
        }
        if (state.equals("FAILED")) {
          spec.commandLine()
              .getErr()
              .println("vpanel: " + host + " FAILED: " + m.path("reason").asString());
          return 1;
        }
        Thread.sleep(500);
      }
      throw new CliException("gave up waiting after " + timeoutSeconds + " s");
    }

    private static String progressLine(JsonNode host, JsonNode m) {
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "%-15s %3d %s running",
                  m.get("state").asString(),
                  host.get("runningVms").asInt(),
                  host.get("runningVms").asInt() == 1 ? "VM" : "VMs"));
      JsonNode p = m.get("progress");
      if (p != null && !p.isNull()) {
        line.append(
            String.format(
                Locale.ROOT,
                "  %d/%d left  %s left",
                p.get("vmsLeft").asInt(),
                p.get("vmsTotal").asInt(),
                Sizes.bytes(p.get("bytesLeft").asLong())));
        if (!p.get("etaSeconds").isNull()) {
          line.append(String.format(Locale.ROOT, "  ETA %.0f s", p.get("etaSeconds").asDouble()));
        }
        if (!p.get("holdingUp").isNull()) {
          line.append("  waiting on ").append(p.get("holdingUp").asString());
        }
      }
      if (m.get("safeToService").asBoolean()) {
        line.append("  SAFE TO SERVICE");
      }
      return line.toString();
    }
  }

  @Command(
      name = "journal",
      mixinStandardHelpOptions = true,
      description = "Show what the journal recorded for HOST: requests, plans, moves, states.")
  static final class JournalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HOST")
    String host;

    @Option(
        names = "--jsonl",
        description =
            "One JSON object per line, oldest first (for audit); all entries unless --limit")
    boolean jsonl;

    @Option(names = "--limit", description = "At most this many entries (default 50; 1..1000)")
    Integer limit;

    @Option(
        names = "--kind",
        split = ",",
        description = "Only these kinds: request, plan, migration, maintenance, vm, alert, notice")
    List<String> kinds = new ArrayList<>();

    @Option(names = "--since", description = "Only entries at or after this ISO-8601 instant")
    String since;

    @Option(names = "--before", description = "Only entries older than this id (paging back)")
    Long before;

    @CommandLine.Mixin ClientOptions options;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      ApiClient client = options.client();
      PrintWriter out = spec.commandLine().getOut();
      String filters = filters();
      List<JsonNode> entries = new ArrayList<>();
      if (jsonl && limit == null) {
        long cursor = 0;
        while (true) {
          JsonNode page = page(client, "&limit=1000&after=" + cursor + filters);
          page.get("entries").forEach(entries::add);
          if (page.get("entries").size() < 1000) {
            break;
          }
          cursor = entries.get(entries.size() - 1).get("id").asLong();
        }
      } else {
        int n = limit == null ? 50 : limit;
        String paging = "&limit=" + n + (before == null ? "" : "&before=" + before);
        JsonNode page = page(client, paging + filters);
        page.get("entries").forEach(entries::add);
        java.util.Collections.reverse(entries);
      }
      for (JsonNode entry : entries) {
        if (jsonl) {
          out.println(entry.toString());
        } else {
          out.printf(
              "%8d  %-24s %-11s %s%n",
              entry.get("id").asLong(),
              entry.get("at").asString(),
              entry.get("kind").asString(),
              entry.get("message").asString());
        }
      }
      out.flush();
      return 0;
    }

    private String filters() {
      StringBuilder q = new StringBuilder();
      for (String kind : kinds) {
        q.append("&kind=").append(URLEncoder.encode(kind, StandardCharsets.UTF_8));
      }
      if (since != null) {
        q.append("&since=").append(URLEncoder.encode(since, StandardCharsets.UTF_8));
      }
      return q.toString();
    }

    private JsonNode page(ApiClient client, String query) {
      ApiClient.Reply reply =
          client.get(
              "/api/v1/hosts/"
                  + URLEncoder.encode(host, StandardCharsets.UTF_8)
                  + "/journal?format=json"
                  + query);
      if (reply.status() != 200) {
        throw new CliException(host + ": " + reply.error());
      }
      return reply.body();
    }
  }
}
