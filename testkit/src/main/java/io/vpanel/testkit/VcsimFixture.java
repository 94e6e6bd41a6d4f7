package io.vpanel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * vcsim, govmomi's vSphere simulator (vim25 SOAP, API 6.5), for tests: started by the vcsim
 * recipe's scripts (this module's resources {@code vcsim/}, copied into the directory given) on a
 * free loopback port, with its own TLS certificate and a password. The simulator is built by {@code
 * build-vcsim.sh} when it is missing, into {@code VCSIM_HOME} (default {@code
 * /var/tmp/vcsim-govmomi-0.24}) and kept there between runs; that needs {@code golang-go}, {@code
 * golang-github-vmware-govmomi-dev} and {@code golang-github-kr-pretty-dev} (the {@code ./test}
 * script installs them). {@link #kill} kills it with SIGKILL and {@link #restart} starts it again
 * on the same port and certificate (with a fresh inventory: vcsim keeps no state). Close it.
 */
public final class VcsimFixture implements AutoCloseable {
  private static final List<String> SCRIPTS =
      List.of(
          "build-vcsim.sh",
          "build-vcsim-vpanel.sh",
          "start-vcsim.sh",
          "stop-vcsim.sh",
          "lite/main.go",
          "vpanel/vpanel_tasks.go");
  private static final String DEFAULT_HOME = "/var/tmp/vcsim-govmomi-0.24";

  private final Path bin;
  private final Path state;
  private final Path home;
  private final List<String> flags;
  private final int taskMillis;
  private volatile Properties env;
  private volatile int port;

  private VcsimFixture(Path dir, int taskMillis, List<String> flags) {
    this.taskMillis = taskMillis;
    this.bin = dir.resolve("bin");
    this.state = dir.resolve("sim");
    this.home = Path.of(System.getenv().getOrDefault("VCSIM_HOME", DEFAULT_HOME));
    this.flags = List.copyOf(flags);
  }

  /**
   * Starts vcsim with {@code flags} (for example {@code -cluster 1 -host 3 -standalone-host 0 -vm 2
   * -method-delay RelocateVM_Task:1500}), its files under {@code dir}.
   */
  public static VcsimFixture start(Path dir, String... flags) throws IOException {
    return start(dir, 0, flags);
  }

  /**
   * The same, and with {@code taskMillis > 0} vpanel's extension of vcsim ({@code vcsim-vpanel},
   * built by {@code build-vcsim-vpanel.sh}; our model, not vCenter's): each RelocateVM_Task returns
   * at once, runs for {@code taskMillis} with {@code info.progress} in ten steps, and CancelTask
   * ends it with {@code RequestCanceled}, the VM left where it was. Stock vcsim 0.24 finishes every
   * task before the call returns and has no CancelTask.
   */
  public static VcsimFixture start(Path dir, int taskMillis, String... flags) throws IOException {
    VcsimFixture sim = new VcsimFixture(dir, taskMillis, List.of(flags));
    FixtureScripts.install("vcsim", SCRIPTS, sim.bin);
    sim.build();
    sim.restart();
    return sim;
  }

  /** Where vcsim and govc are built. */
  public Path home() {
    return home;
  }

  /** The SDK URL, {@code https://127.0.0.1:PORT/sdk}. */
  public String url() {
    return env().getProperty("VCSIM_URL");
  }

  public int port() {
    return port;
  }

  public String user() {
    return env().getProperty("VCSIM_USER");
  }

  public String password() {
    return env().getProperty("VCSIM_PASS");
  }

  /** The PEM certificate vcsim serves (self-signed: it is its own CA). */
  public Path caFile() {
    return Path.of(env().getProperty("VCSIM_CA"));
  }

  public long pid() {
    return Long.parseLong(env().getProperty("VCSIM_PID"));
  }

  /** Writes the password into {@code file}, mode 600, and returns it. */
  public Path writePasswordFile(Path file) throws IOException {
    return writeSecret(file, password());
  }

  /** Writes {@code text} into {@code file}, mode 600. */
  public static Path writeSecret(Path file, String text) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
    return file;
  }

  /** Runs govc against this vcsim; returns its output, throws on a non-zero exit. */
  public String govc(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/govc").toString());
    command.addAll(List.of(args));
    return run(
        Map.of(
            "GOVC_URL", env().getProperty("GOVC_URL"),
            "GOVC_TLS_CA_CERTS", env().getProperty("GOVC_TLS_CA_CERTS"),
            "GOVC_INSECURE", env().getProperty("GOVC_INSECURE")),
        command.toArray(String[]::new));
  }

  /** Kills vcsim with SIGKILL (no goodbye to its clients). */
  /**
   * Ends, from govc's own session, every session whose client calls itself {@code userAgentPrefix}
   * (the JDK's HTTP client sends {@code Java-http-client/…}) with SessionManager.TerminateSession,
   * as a vCenter administrator or an idle timeout would; the number ended. vcsim 0.24 has no
   * session timeout flag.
   */
  public int terminateSessions(String userAgentPrefix) throws IOException {
    String json = govc("session.ls", "-json");
    int list = json.indexOf("\"SessionList\"");
    int current = json.indexOf("\"CurrentSession\"");
    if (list < 0) {
      return 0;
    }
    String sessions = json.substring(list, current > list ? current : json.length());
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "\"Key\":\\s*\"([^\"]+)\"[^}]*?\"UserAgent\":\\s*\"([^\"]*)\"")
            .matcher(sessions);
    List<String> keys = new ArrayList<>();
    while (m.find()) {
      if (m.group(2).startsWith(userAgentPrefix)) {
        keys.add(m.group(1));
      }
    }
    if (!keys.isEmpty()) {
      List<String> command = new ArrayList<>(List.of("session.rm"));
      command.addAll(keys);
      govc(command.toArray(String[]::new));
    }
    return keys.size();
  }

  public void kill() throws IOException {
    ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroyForcibly);
    run(Map.of(), bin.resolve("stop-vcsim.sh").toString(), state.toString());
  }

  /** Starts vcsim (again) with the same flags, port and certificate; returns once it listens. */
  public void restart() throws IOException {
    List<String> command =
        new ArrayList<>(List.of(bin.resolve("start-vcsim.sh").toString(), state.toString()));
    command.addAll(flags);
    run(
        Map.of(
            "VCSIM_BIN", home.resolve(taskMillis > 0 ? "bin/vcsim-vpanel" : "bin/vcsim").toString(),
            "VCSIM_VPANEL_TASK_MS", String.valueOf(taskMillis),
            "VCSIM_LISTEN_PORT", String.valueOf(port)),
        command.toArray(String[]::new));
    Properties loaded = new Properties();
    try (InputStream in = Files.newInputStream(state.resolve("vcsim.env"))) {
      loaded.load(in);
    }
    env = loaded;
    port = Integer.parseInt(loaded.getProperty("VCSIM_PORT"));
  }

  /** Stops vcsim (SIGTERM, then SIGKILL); nothing to do when stopped already. */
  public void stop() throws IOException {
    run(Map.of(), bin.resolve("stop-vcsim.sh").toString(), state.toString());
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void build() throws IOException {
    if (!Files.isExecutable(home.resolve("bin/vcsim"))
        || !Files.isExecutable(home.resolve("bin/govc"))) {
      run(Map.of(), 900, bin.resolve("build-vcsim.sh").toString(), home.toString());
    }
    if (taskMillis > 0) {
      run(Map.of(), 900, bin.resolve("build-vcsim-vpanel.sh").toString(), home.toString());
    }
  }

  private Properties env() {
    Properties current = env;
    if (current == null) {
      throw new IllegalStateException("vcsim was not started");
    }
    return current;
  }

  private static String run(Map<String, String> environment, String... command) throws IOException {
    return run(environment, 60, command);
  }

  private static String run(Map<String, String> environment, int timeoutSeconds, String... command)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            String.join(" ", command) + " did not finish in " + timeoutSeconds + " s: " + output);
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
