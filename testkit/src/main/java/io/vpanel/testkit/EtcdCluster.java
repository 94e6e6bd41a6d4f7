package io.vpanel.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real 3-member etcd cluster on 127.0.0.1 for tests and benchmarks: free ports, a fresh data
 * directory per member under the directory given, fast raft timings (heartbeat 25 ms, election 250
 * ms unless told otherwise). {@link #kill} crashes a member (SIGKILL), {@link #restart} brings it
 * back with the same name, ports and data, {@link #stopAll} stops every member (a full outage),
 * {@link #close} stops what runs and leaves nothing behind. The scripts are this module's resources
 * ({@code etcd/}, from {@code shared/recipes/etcd}), copied into the directory given, and signal
 * only PIDs whose command line names that directory.
 *
 * <p>Needs {@code etcd} and {@code etcdctl} (Debian {@code etcd-server etcd-client}); without them
 * {@link #start} skips the calling test with a JUnit assumption that says what to install.
 */
public final class EtcdCluster implements AutoCloseable {
  private static final List<String> SCRIPTS =
      List.of(
          "lib.sh", "start-cluster.sh", "stop-cluster.sh", "kill-member.sh", "restart-member.sh");

  /** How long a start or restart may take before the fixture gives up. */
  private static final int START_TIMEOUT_SECONDS = 30;

  private final Path bin;
  private final Path state;
  private final Map<String, String> environment;
  private Properties env = new Properties();

  private EtcdCluster(Path dir, int heartbeatMillis, int electionMillis, Map<String, String> more) {
    this.bin = dir.resolve("etcd-bin");
    this.state = dir.resolve("etcd-cluster");
    Map<String, String> env = new java.util.HashMap<>(more);
    env.put("ETCD_HEARTBEAT_MS", String.valueOf(heartbeatMillis));
    env.put("ETCD_ELECTION_MS", String.valueOf(electionMillis));
    env.put("ETCD_START_TIMEOUT_S", String.valueOf(START_TIMEOUT_SECONDS));
    this.environment = Map.copyOf(env);
  }

  /** Three members with the fixture's fast timings, their files under {@code dir}. */
  public static EtcdCluster start(Path dir) throws IOException {
    return start(dir, 25, 250);
  }

  /**
   * Three members with these raft timings (etcd's own defaults are 100 and 1000 ms; 20/100 flaps on
   * a busy 2-core machine).
   */
  public static EtcdCluster start(Path dir, int heartbeatMillis, int electionMillis)
      throws IOException {
    return start(new EtcdCluster(dir, heartbeatMillis, electionMillis, Map.of()));
  }

  /**
   * Three members serving clients over TLS only ({@code https://} endpoints) with {@code server}'s
   * certificate, and demanding a client certificate signed by {@code ca} ({@code
   * --client-cert-auth}); {@link #etcdctl} presents {@code client}. Peers talk plain HTTP.
   */
  public static EtcdCluster startTls(
      Path dir, Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey)
      throws IOException {
    return start(
        new EtcdCluster(
            dir,
            25,
            250,
            Map.of(
                "ETCD_CLIENT_SCHEME", "https",
                "ETCD_EXTRA_ARGS",
                    "--cert-file="
                        + serverCert
                        + " --key-file="
                        + serverKey
                        + " --trusted-ca-file="
                        + ca
                        + " --client-cert-auth",
                "ETCDCTL_CACERT", ca.toString(),
                "ETCDCTL_CERT", clientCert.toString(),
                "ETCDCTL_KEY", clientKey.toString())));
  }

  private static EtcdCluster start(EtcdCluster cluster) throws IOException {
    assumeInstalled();
    cluster.install();
    cluster.run(cluster.script("start-cluster.sh"), cluster.state.toString());
    cluster.loadEnv();
    return cluster;
  }

  /** Skips the calling test unless etcd and etcdctl are on the PATH. */
  public static void assumeInstalled() {
    Assumptions.assumeTrue(
        onPath("etcd") && onPath("etcdctl"),
        "etcd or etcdctl not found on the PATH; install them: apt-get install -y etcd-server"
            + " etcd-client");
  }

  /** The client URLs of the three members, {@code http://127.0.0.1:PORT}, member 1 first. */
  public List<String> endpoints() {
    return List.of(clientUrl(1), clientUrl(2), clientUrl(3));
  }

  /** The client URL of member {@code n} (1..3). */
  public String clientUrl(int n) {
    return property("CLIENT_URL_" + member(n));
  }

  /** The process id of member {@code n}, empty while it is down. */
  public Optional<Long> pid(int n) {
    Path file = state.resolve("m" + member(n) + ".pid");
    try {
      String text = Files.readString(file).trim();
      return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** True while member {@code n}'s process runs (a zombie waiting to be reaped does not). */
  public boolean running(int n) {
    return pid(n).map(EtcdCluster::alive).orElse(false);
  }

  /**
   * True while process {@code pid} runs and is no zombie. This machine's init reaps orphans only
   * every second or so, and {@link ProcessHandle#isAlive} counts a zombie as alive.
   */
  public static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String afterName = stat.substring(stat.lastIndexOf(')') + 1).trim();
      return !afterName.startsWith("Z") && !afterName.startsWith("X");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Crashes member {@code n} with SIGKILL and returns once its process is gone. */
  public void kill(int n) throws IOException {
    run(script("kill-member.sh"), state.toString(), String.valueOf(member(n)));
  }

  /**
   * Starts members again with their old names, ports and data; returns once each answers a quorum
   * read. After a full outage give at least two at once: one member alone has no quorum.
   */
  public void restart(int... members) throws IOException {
    List<String> command = new ArrayList<>(List.of(script("restart-member.sh"), state.toString()));
    for (int n : members) {
      command.add(String.valueOf(member(n)));
    }
    run(command.toArray(String[]::new));
  }

  /** Every member that is down now, started again (all three after {@link #stopAll}). */
  public void restartAllStopped() throws IOException {
    int[] down = Stream.of(1, 2, 3).filter(n -> !running(n)).mapToInt(n -> n).toArray();
    if (down.length > 0) {
      restart(down);
    }
  }

  /** Stops every member (SIGTERM, SIGKILL after 5 s); data and logs stay for {@link #restart}. */
  public void stopAll() throws IOException {
    run(script("stop-cluster.sh"), state.toString());
  }

  /** The member (1..3) that is raft leader now, empty when none answers or none leads. */
  public Optional<Integer> leader() {
    for (int n = 1; n <= 3; n++) {
      if (!running(n)) {
        continue;
      }
      try {
        String out =
            run(
                "etcdctl",
                "--endpoints=" + clientUrl(n),
                "--dial-timeout=1s",
                "--command-timeout=2s",
                "endpoint",
                "status",
                "-w",
                "fields");
        String id = field(out, "\"MemberID\"");
        String leader = field(out, "\"Leader\"");
        if (!id.isEmpty() && id.equals(leader)) {
          return Optional.of(n);
        }
      } catch (IOException e) {
        // this member does not answer: ask the next
      }
    }
    return Optional.empty();
  }

  /**
   * Runs {@code etcdctl} against all members with {@code args} and returns what it printed; fails
   * when it exits with an error.
   */
  public String etcdctl(String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "etcdctl",
                "--endpoints=" + String.join(",", endpoints()),
                "--dial-timeout=2s",
                "--command-timeout=5s"));
    command.addAll(Arrays.asList(args));
    return run(command.toArray(String[]::new));
  }

  /** Member {@code n}'s log (zap JSON lines, appended across restarts). */
  public String log(int n) {
    try {
      return Files.readString(state.resolve("m" + member(n)).resolve("etcd.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      stopAll();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String field(String out, String name) {
    return out.lines()
        .filter(l -> l.startsWith(name + " : "))
        .map(l -> l.substring(name.length() + 3).trim())
        .findFirst()
        .orElse("");
  }

  private static int member(int n) {
    if (n < 1 || n > 3) {
      throw new IllegalArgumentException("member must be 1, 2 or 3, was " + n);
    }
    return n;
  }

  private static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    return Stream.of(path.split(File.pathSeparator))
        .map(p -> Path.of(p, program))
        .anyMatch(Files::isExecutable);
  }

  private String property(String key) {
    String value = env.getProperty(key);
    if (value == null) {
      throw new IllegalStateException("the etcd cluster has no " + key + " (was it started?)");
    }
    return value;
  }

  private void loadEnv() throws IOException {
    Properties loaded = new Properties();
    try (InputStream in = Files.newInputStream(state.resolve("cluster.env"))) {
      loaded.load(in);
    }
    env = loaded;
  }

  private String script(String name) {
    return bin.resolve(name).toString();
  }

  private void install() throws IOException {
    Files.createDirectories(state);
    FixtureScripts.install("etcd", SCRIPTS, bin);
  }

  private String run(String... command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // etcd and etcdctl read ETCD_*/ETCDCTL_* variables as flags and refuse a flag given twice.
    builder.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!process.waitFor(START_TIMEOUT_SECONDS + 10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output);
    }
    return output;
  }
}
