package io.vpanel.e2e.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.e2e.AgentApi;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The agent as an unprivileged user against two real system-mode libvirtds (root daemons on their
 * system paths, bind-mounted in the project's network namespaces), reached through the read-write
 * socket's group as Debian's libvirt-daemon-system sets it: {@code unix_sock_group}, {@code
 * unix_sock_rw_perms = "0770"}, {@code auth_unix_rw = "none"}.
 *
 * <p>A throw-away system user and a throw-away socket group are made for the run and deleted after
 * it. The agent is the built jar ({@code agent/target/vpanel.jar}) started as a process the way the
 * unit starts it: {@code setpriv} to that user with the socket group as its one supplementary group
 * ({@code SupplementaryGroups=}), a clean environment, a private home. Checked: the process runs as
 * that user; it sees both daemons' guests; an evacuation requested through its API moves every
 * guest to b by live migration (p2p over the veth, seen with virsh as root) and the exit brings
 * them back; without the group it stops at once with libvirt's refusal, the socket, its group and
 * the user that lacks it.
 */
class SystemLibvirtTest {
  private static final List<String> GUESTS = List.of("sys1", "sys2", "sys3");
  private static final Path JAR =
      Path.of("../agent/target/vpanel.jar").toAbsolutePath().normalize();

  private static String suffix;
  private static String user;
  private static String group;
  private static Path home;
  private static TwoHosts hosts;

  @BeforeAll
  static void start() throws Exception {
    TwoHosts.requirePeers();
    assertThat(JAR).as("the agent jar (built by the agent module)").exists();
    suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    user = "vpt-agent-" + suffix;
    group = "vpt-virt-" + suffix;
    ok("groupadd", "--system", group);
    home = Files.createTempDirectory(Path.of("/tmp"), "vpanel-sysmode-");
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
    ok(
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        home.toString(),
        "--shell",
        "/usr/sbin/nologin",
        user);
    ok("chown", user + ":" + user, home.toString());
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    hosts = TwoHosts.startSystem("sysmode", group);
    for (String name : GUESTS) {
      hosts.startIdleGuest('a', name);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (hosts != null) {
        hosts.close();
      }
    } finally {
      if (user != null) {
        run("userdel", user);
      }
      if (group != null) {
        run("groupdel", group);
      }
      if (home != null) {
        run("rm", "-rf", home.toString());
      }
    }
  }

  @Test
  void theAgentAsAnUnprivilegedUserEvacuatesThroughTheSocketGroup() throws Exception {
    assertThat(hosts.socket('a')).isNotNull();
    assertThat(owner(hosts.socket('a'))).isEqualTo("root:" + group);
    assertThat(mode(hosts.socket('a'))).isEqualTo("rwxrwx---");
    Path dir = agentDir("evacuation");
    int port = AgentApi.freePort();
    Path config = config(dir, port);
    Path log = dir.resolve("agent.log");
    Process agent = startAgent(config, log, List.of(group));
    try {
      AgentApi a =
          new AgentApi(
              HttpClient.newHttpClient(),
              "http://127.0.0.1:" + port,
              "a",
              token(dir),
              () -> tail(log));
      AgentApi b =
          new AgentApi(
              HttpClient.newHttpClient(),
              "http://127.0.0.1:" + port,
              "b",
              token(dir),
              () -> tail(log));
      a.await(h -> h.path("runningVms").asInt() == GUESTS.size(), 90);
      b.await(h -> h.path("hypervisorConnected").asBoolean(), 60);
      // setpriv has exec'ed the JVM by now: the process serving the API is the user's
      assertThat(processUser(agent.pid())).as("the agent's uid").isEqualTo(uid(user));

      HttpResponse<String> enter = a.maintenance("enter");
      assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
      JsonNode done =
          a.await(
              h -> {
                if ("FAILED".equals(AgentApi.state(h))) {
                  throw new AssertionError("maintenance FAILED: " + h.path("maintenance"));
                }
                return "IN_MAINTENANCE".equals(AgentApi.state(h));
              },
              240);
      assertThat(done.path("maintenance").path("safeToService").asBoolean()).isTrue();
      assertThat(hosts.guests('a', true)).as("virsh list --all on a").isEmpty();
      assertThat(hosts.guests('b', false)).as("virsh list on b").isEqualTo(GUESTS);

      assertThat(a.maintenance("exit").statusCode()).isEqualTo(202);
      a.await(AgentApi.inState("OPERATIONAL"), 240);
      a.await(h -> h.path("runningVms").asInt() == GUESTS.size(), 60);
      assertThat(hosts.guests('a', false)).as("virsh list on a").isEqualTo(GUESTS);
      assertThat(hosts.guests('b', true)).as("virsh list --all on b").isEmpty();
    } finally {
      agent.destroy();
      assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }
  }

  @Test
  void withoutTheSocketGroupTheAgentIsRefusedWithTheSocketAndTheGroup() throws Exception {
    Path dir = agentDir("refused");
    Path config = config(dir, AgentApi.freePort());
    Path log = dir.resolve("agent.log");
    Process agent = startAgent(config, log, List.of());
    boolean ended = agent.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      agent.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(ended).as("the agent stops: " + out).isTrue();
    assertThat(agent.exitValue()).as(out).isEqualTo(1);
    System.out.println("REFUSED: " + out.strip());
    assertThat(out)
        .contains(
            "cannot connect to the hypervisor of a",
            "Permission denied",
            "the socket " + hosts.socket('a'),
            "root:" + group + " rwxrwx---",
            "user " + user + " is not in group " + group,
            "adduser " + user + " " + group,
            "SupplementaryGroups=" + group);
  }

  // ---------------------------------------------------------------- helpers

  /** A directory of the agent user's (configuration, token, journal) inside its home. */
  private static Path agentDir(String name) throws Exception {
    Path dir = Files.createDirectory(home.resolve(name));
    Files.writeString(dir.resolve("token"), "sysmode-token-" + suffix + "-0123456789\n");
    Files.setPosixFilePermissions(
        dir.resolve("token"), PosixFilePermissions.fromString("rw-------"));
    ok("chown", "-R", user + ":" + user, dir.toString());
    return dir;
  }

  private static String token(Path dir) throws IOException {
    return Files.readString(dir.resolve("token")).strip();
  }

  private static Path config(Path dir, int port) throws Exception {
    Path config = dir.resolve("vpanel.yaml");
    Files.writeString(
        config,
        HostAConfig.yaml(
            hosts,
            List.of("migrationBandwidthMiBps: 200"),
            """
            panels:
              - driver: web
            api:
              listen: 127.0.0.1:%d
              tokenFile: %s
            journal:
              path: %s
            """
                .formatted(port, dir.resolve("token"), dir.resolve("journal.db"))));
    ok("chown", user + ":" + user, config.toString());
    return config;
  }

  /**
   * The agent jar as {@code user} with exactly {@code groups} beside its own, as the unit runs it.
   */
  private static Process startAgent(Path config, Path log, List<String> groups) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> argv = new ArrayList<>();
    argv.add("setpriv");
    argv.add("--reuid=" + user);
    argv.add("--regid=" + user);
    argv.add(groups.isEmpty() ? "--clear-groups" : "--groups=" + String.join(",", groups));
    argv.addAll(
        List.of(
            "env",
            "-i",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=" + home,
            "USER=" + user,
            "LANG=C.UTF-8",
            java,
            "-XX:+UseSerialGC",
            "-Xmx128m",
            "--enable-native-access=ALL-UNNAMED",
            "-jar",
            JAR.toString(),
            "agent",
            "--config",
            config.toString()));
    return new ProcessBuilder(argv)
        .directory(home.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no agent log: " + e + ")";
    }
  }

  private static String processUser(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("Uid:")) {
        return line.substring(4).trim().split("\\s+")[1];
      }
    }
    throw new IOException("no Uid in /proc/" + pid + "/status");
  }

  private static String uid(String name) throws Exception {
    return ok("id", "-u", name).strip();
  }

  private static String owner(Path path) throws IOException {
    var a =
        Files.readAttributes(
            path,
            java.nio.file.attribute.PosixFileAttributes.class,
            java.nio.file.LinkOption.NOFOLLOW_LINKS);
    return a.owner().getName() + ":" + a.group().getName();
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private record Result(int exit, String out) {}

  private static Result run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    return new Result(process.exitValue(), out);
  }

  private static String ok(String... command) throws Exception {
    Result r = run(command);
    assertThat(r.exit()).as(String.join(" ", command) + ": " + r.out()).isZero();
    return r.out();
  }
}
