package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Debian package on this machine: {@code dpkg -i} of what the packaging module built, the files
 * with their owners and modes, the unit checked by {@code systemd-analyze}, the agent started as
 * the unit starts it (its user, groups, working directory, umask, command line and environment,
 * read from the installed unit) and reached through its API and web panel, then {@code dpkg -r}
 * (configuration, token, state and user stay) and {@code dpkg -P} (nothing left behind).
 *
 * <p>Needs root and dpkg (CI runs as root on a throw-away machine); skipped otherwise. systemd is
 * not PID 1 here, so the unit's sandbox itself is not applied; its readiness check and command line
 * are run as they are written in it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebPackageTest {
  private static final Path DEB_DIR = Path.of("../packaging/target").toAbsolutePath().normalize();
  private static final Path UNIT = Path.of("/lib/systemd/system/vpanel.service");
  private static final Path CONFIG = Path.of("/etc/vpanel/vpanel.yaml");
  private static final Path TOKEN = Path.of("/etc/vpanel/token");
  private static final Path STATE = Path.of("/var/lib/vpanel");

  /** What jlink put in the runtime: the packaging script's list and what they require. */
  private static final List<String> MODULES =
      List.of(
          "java.base",
          "java.compiler",
          "java.desktop",
          "java.net.http",
          "java.sql",
          "jdk.zipfs",
          "jdk.naming.dns",
          "jdk.unsupported");

  private static Path deb;
  private static List<String> packageFiles;
  private static boolean libvirtGroupBefore;

  @BeforeAll
  static void install() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "installs a package: runs as root only");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg")), "needs dpkg");
    try (Stream<Path> files = Files.list(DEB_DIR)) {
      deb =
          files
              .filter(p -> p.getFileName().toString().matches("vpanel_.*\\.deb"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "no vpanel_*.deb in "
                              + DEB_DIR
                              + ": build it with ./mvnw -pl packaging -am package"));
    }
    if (run("dpkg-query", "-W", "-f=${Status}", "vpanel").out().contains("installed")) {
      // A run that stopped half-way: start from a machine without the package.
      run("dpkg", "-P", "vpanel");
    }
    packageFiles = new ArrayList<>();
    for (String line : ok("dpkg-deb", "-c", deb.toString()).out().lines().toList()) {
      String path = line.substring(line.indexOf("./") + 1);
      if (!path.endsWith("/")) {
        packageFiles.add(path.contains(" -> ") ? path.substring(0, path.indexOf(" -> ")) : path);
      }
    }
    libvirtGroupBefore = run("getent", "group", "libvirt").exit() == 0;
    Result installed = run("dpkg", "-i", deb.toString());
    assertThat(installed.exit()).as(installed.out()).isZero();
  }

  @AfterAll
  static void purgeLeftovers() throws Exception {
    if (deb != null
        && run("dpkg-query", "-W", "-f=${Status}", "vpanel").out().contains("installed")) {
      run("dpkg", "-P", "vpanel");
    }
  }

  @Test
  @Order(1)
  void installsFilesWithTheirOwnersAndModes() throws Exception {
    assertThat(packageFiles)
        .contains(
            "/usr/bin/vpanel",
            "/usr/lib/vpanel/vpanel.jar",
            "/usr/lib/vpanel/jvm.options",
            "/usr/lib/vpanel/vpanel.jsa",
            "/usr/lib/vpanel/runtime/bin/java",
            "/lib/systemd/system/vpanel.service",
            "/etc/vpanel/vpanel.yaml",
            "/usr/share/man/man1/vpanel.1.gz",
            "/usr/share/bash-completion/completions/vpanel",
            "/usr/share/polkit-1/rules.d/50-vpanel-libvirt.rules",
            "/usr/share/doc/vpanel/copyright");
    for (String file : packageFiles) {
      assertThat(owner(Path.of(file))).as(file).isEqualTo("root:root");
    }
    assertThat(mode(Path.of("/usr/bin/vpanel"))).isEqualTo("rwxr-xr-x");
    assertThat(mode(Path.of("/usr/lib/vpanel/runtime/bin/java"))).isEqualTo("rwxr-xr-x");
    assertThat(mode(Path.of("/usr/lib/vpanel/vpanel.jar"))).isEqualTo("rw-r--r--");
    assertThat(mode(CONFIG)).isEqualTo("rw-r--r--");
    assertThat(ok("dpkg-query", "-W", "-f=${Conffiles}", "vpanel").out())
        .contains("/etc/vpanel/vpanel.yaml");

    // Made by postinst: the user, the token, the directories.
    String passwd = ok("getent", "passwd", "vpanel").out().trim();
    String[] fields = passwd.split(":");
    assertThat(Integer.parseInt(fields[2])).as("a system uid").isLessThan(1000);
    assertThat(fields[5]).isEqualTo("/var/lib/vpanel");
    assertThat(fields[6]).isEqualTo("/usr/sbin/nologin");
    assertThat(ok("id", "-nG", "vpanel").out().split("\\s+")).contains("vpanel", "libvirt");
    assertThat(owner(TOKEN)).isEqualTo("vpanel:vpanel");
    assertThat(mode(TOKEN)).isEqualTo("rw-------");
    assertThat(Files.readString(TOKEN).trim()).hasSizeGreaterThanOrEqualTo(16);
    assertThat(owner(Path.of("/etc/vpanel"))).isEqualTo("root:vpanel");
    assertThat(mode(Path.of("/etc/vpanel"))).isEqualTo("rwxr-x---");
    assertThat(owner(STATE)).isEqualTo("vpanel:vpanel");
    assertThat(mode(STATE)).isEqualTo("rwx------");

    // The runtime holds only the modules vpanel uses.
    String release = Files.readString(Path.of("/usr/lib/vpanel/runtime/release"));
    Matcher modules = Pattern.compile("MODULES=\"([^\"]*)\"").matcher(release);
    assertThat(modules.find()).isTrue();
    List<String> shipped = List.of(modules.group(1).split(" "));
    assertThat(shipped).containsAll(MODULES).doesNotContain("jdk.compiler", "jdk.jshell");
    assertThat(shipped.size()).as(shipped.toString()).isLessThan(25);

    assertThat(ok("/usr/bin/vpanel", "--version").out()).contains("vpanel");
    assertThat(
            ok(
                    "bash",
                    "-c",
                    ". /usr/share/bash-completion/completions/vpanel && complete -p vpanel")
                .out())
        .contains("vpanel");
    assertThat(ok("sh", "-c", "zcat /usr/share/man/man1/vpanel.1.gz").out())
        .contains(".TH VPANEL 1", ".SS vpanel agent", ".SS vpanel ready");
  }

  @Test
  @Order(2)
  void theUnitPassesSystemdAnalyze() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "needs systemd-analyze");
    Result verify = run("systemd-analyze", "verify", UNIT.toString());
    assertThat(verify.exit()).as(verify.out()).isZero();
    assertThat(verify.out()).as("no warnings").doesNotContain("vpanel.service");
    Result security = run("systemd-analyze", "security", "--offline=true", UNIT.toString());
    Matcher level =
        Pattern.compile("Overall exposure level for vpanel.service: ([0-9.]+)")
            .matcher(security.out());
    assertThat(level.find()).as(security.out()).isTrue();
    // docs/SECURITY.md gives the score; this keeps it from growing unnoticed.
    assertThat(Double.parseDouble(level.group(1))).as(security.out()).isLessThanOrEqualTo(1.9);
  }

  @Test
  @Order(3)
  void theShippedConfigurationIsValidAndNamesTheSystemDaemon() throws Exception {
    Assumptions.assumeFalse(
        Files.exists(Path.of("/run/libvirt/libvirt-sock")),
        "a system libvirtd runs here: the agent would connect instead of refusing");
    Unit unit = Unit.read(UNIT);
    Result refused = unit.runAs(unit.execStart(), Duration.ofSeconds(120));
    // Past the configuration's checks, stopped at the hypervisor with the reason.
    assertThat(refused.exit()).as(refused.out()).isEqualTo(1);
    assertThat(refused.out())
        .contains("cannot connect to the hypervisor", "qemu:///system")
        .doesNotContain(Files.readString(TOKEN).trim());
  }

  @Test
  @Order(4)
  void theAgentStartedAsTheUnitStartsItServesItsApiAndPanel() throws Exception {
    // The sim driver in place of libvirt (no system daemon in CI); an operator's edit of the
    // conffile, which purge removes.
    int port = AgentApi.freePort();
    Files.writeString(
        CONFIG,
        """
        host:
          name: sim-01
        hypervisor:
          driver: sim
        panels:
          - driver: web
        api:
          listen: 127.0.0.1:%d
          tokenFile: /etc/vpanel/token
        journal:
          path: /var/lib/vpanel/journal.db
        """
            .formatted(port));
    Unit unit = Unit.read(UNIT);
    assertThat(unit.service).containsEntry("User", "vpanel").containsEntry("Type", "exec");
    Process agent = unit.start(unit.execStart());
    try {
      Result ready = unit.runAs(unit.execStartPost(), Duration.ofSeconds(120));
      assertThat(ready.exit()).as(ready.out()).isZero();
      String base = "http://127.0.0.1:" + port;
      HttpClient http = HttpClient.newHttpClient();
      assertThat(get(http, base + "/healthz").statusCode()).isEqualTo(200);
      HttpResponse<String> page = get(http, base + "/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<html");
      assertThat(get(http, base + "/panel.css").statusCode()).isEqualTo(200);
      assertThat(get(http, base + "/js/cluster-page.js").statusCode()).isEqualTo(200);
      HttpResponse<String> panel = get(http, base + "/api/v1/hosts/sim-01/panel");
      assertThat(panel.statusCode()).isEqualTo(200);
      assertThat(panel.body()).contains("OPERATIONAL");
      assertThat(firstEvent(base, "host")).contains("sim-01");
      // The token postinst made is the agent's.
      String token = Files.readString(TOKEN).trim();
      HttpResponse<String> notice =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/hosts/sim-01/notices"))
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"text\":\"installed\",\"ttlSeconds\":60}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(notice.statusCode()).as(notice.body()).isEqualTo(202);
      // The CLI of the package reaches it too.
      assertThat(ok("/usr/bin/vpanel", "status", "--url", base).out()).contains("sim-01");
      Path journal = STATE.resolve("journal.db");
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(journal));
      assertThat(owner(journal)).isEqualTo("vpanel:vpanel");
      assertThat(mode(journal)).as("UMask=0077").isEqualTo("rw-------");
    } finally {
      agent.destroy();
      assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }
  }

  @Test
  @Order(5)
  void removeKeepsConfigurationTokenStateAndUserAndPurgeLeavesNothing() throws Exception {
    Result removed = run("dpkg", "-r", "vpanel");
    assertThat(removed.exit()).as(removed.out()).isZero();
    for (String file : packageFiles) {
      if (!file.startsWith("/etc/")) {
        assertThat(Path.of(file)).as(file).doesNotExist();
      }
    }
    assertThat(CONFIG).exists();
    assertThat(TOKEN).exists();
    assertThat(STATE.resolve("journal.db")).exists();
    assertThat(run("getent", "passwd", "vpanel").exit()).isZero();

    Result purged = run("dpkg", "-P", "vpanel");
    assertThat(purged.exit()).as(purged.out()).isZero();
    for (String file : packageFiles) {
      assertThat(Path.of(file)).as(file).doesNotExist();
    }
    assertThat(Path.of("/etc/vpanel")).doesNotExist();
    assertThat(STATE).doesNotExist();
    assertThat(Path.of("/usr/lib/vpanel")).doesNotExist();
    assertThat(run("getent", "passwd", "vpanel").exit()).as("user vpanel removed").isNotZero();
    assertThat(run("getent", "group", "vpanel").exit()).as("group vpanel removed").isNotZero();
    assertThat(run("dpkg-query", "-W", "vpanel").exit()).isNotZero();
    // postinst makes group libvirt where libvirt's package has not; purge takes it away again.
    assertThat(run("getent", "group", "libvirt").exit() == 0)
        .as("group libvirt exists as before the install")
        .isEqualTo(libvirtGroupBefore);
  }

  // ---------------------------------------------------------------- helpers

  /** The [Service] section of the installed unit, and how it starts a command. */
  private record Unit(Map<String, String> service, List<String> environment) {
    static Unit read(Path file) throws IOException {
      Map<String, String> service = new LinkedHashMap<>();
      List<String> environment = new ArrayList<>();
      boolean inService = false;
      for (String line : Files.readAllLines(file)) {
        String trimmed = line.trim();
        if (trimmed.startsWith("[")) {
          inService = trimmed.equals("[Service]");
        } else if (inService && !trimmed.isEmpty() && !trimmed.startsWith("#")) {
          String key = trimmed.substring(0, trimmed.indexOf('='));
          String value = trimmed.substring(trimmed.indexOf('=') + 1);
          if (key.equals("Environment")) {
            environment.add(value);
          } else {
            service.put(key, value);
          }
        }
      }
      return new Unit(service, environment);
    }

    List<String> execStart() {
      return List.of(service.get("ExecStart").split(" "));
    }

    List<String> execStartPost() {
      return List.of(service.get("ExecStartPost").split(" "));
    }

    /**
     * The command as systemd runs it: the unit's user and group with exactly its supplementary
     * groups, its working directory and umask, a clean environment (what systemd sets for a service
     * with User=, and the unit's Environment=).
     */
    ProcessBuilder builder(List<String> command) {
      String user = service.get("User");
      List<String> argv = new ArrayList<>();
      argv.addAll(
          List.of(
              "setpriv",
              "--reuid=" + user,
              "--regid=" + service.get("Group"),
              "--groups="
                  + String.join(",", service.getOrDefault("SupplementaryGroups", "").split(" ")),
              "env",
              "-i",
              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "HOME=/var/lib/vpanel",
              "USER=" + user,
              "LOGNAME=" + user,
              "SHELL=/usr/sbin/nologin",
              "STATE_DIRECTORY=/var/lib/vpanel"));
      argv.addAll(environment);
      argv.addAll(List.of("sh", "-c", "umask " + service.get("UMask") + " && exec \"$@\"", "unit"));
      argv.addAll(command);
      return new ProcessBuilder(argv)
          .directory(Path.of(service.get("WorkingDirectory")).toFile())
          .redirectErrorStream(true);
    }

    Process start(List<String> command) throws IOException {
      return builder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    Result runAs(List<String> command, Duration timeout) throws Exception {
      Process process = builder(command).start();
      CompletableFuture<String> out =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return new String(
                      process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                  return e.toString();
                }
              });
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not end within " + timeout);
      }
      return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS));
    }
  }

  private record Result(int exit, String out) {}

  private static Result run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(300, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    return new Result(process.exitValue(), out);
  }

  private static Result ok(String... command) throws Exception {
    Result result = run(command);
    assertThat(result.exit()).as(String.join(" ", command) + ": " + result.out()).isZero();
    return result;
  }

  private static String owner(Path path) throws IOException {
    PosixFileAttributes attributes =
        Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    return attributes.owner().getName() + ":" + attributes.group().getName();
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The data of the first event of this name on the agent's event stream. */
  private static String firstEvent(String base, String name) throws Exception {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return readFirstEvent(base, name);
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            })
        .get(30, TimeUnit.SECONDS);
  }

  private static String readFirstEvent(String base, String name) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<java.io.InputStream> stream =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/events")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String event = null;
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("event:")) {
          event = line.substring("event:".length()).trim();
        } else if (line.startsWith("data:") && name.equals(event)) {
          return line.substring("data:".length()).trim();
        }
      }
    }
    throw new AssertionError("the event stream ended before a '" + name + "' event");
  }
}
