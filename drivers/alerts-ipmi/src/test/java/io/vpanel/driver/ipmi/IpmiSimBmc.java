package io.vpanel.driver.ipmi;

import io.vpanel.testkit.SecretFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A simulated BMC for tests: the real {@code ipmi_sim} (OpenIPMI) on 127.0.0.1 with RMCP+ on a
 * fresh UDP port, a SEL of 2000 records and three sensors (1 CPU Temp, 2 DIMM A1, 3 PSU1 Status;
 * see {@code bmc/bmc.emu}), its console for injecting events, and a chassis hook that logs every
 * identify request to {@code chassis.log}. The files come from this module's test resources; the
 * process is this JVM's child and is stopped by {@link #close()}.
 */
public final class IpmiSimBmc implements AutoCloseable {
  public static final String USER = "admin";
  public static final String PASSWORD = "vpanel-test";

  private final Path dir;
  private final int udpPort;
  private final int consolePort;
  private Process process;

  private IpmiSimBmc(Path dir, int udpPort, int consolePort) {
    this.dir = dir;
    this.udpPort = udpPort;
    this.consolePort = consolePort;
  }

  /** Starts a fresh BMC with its state in {@code dir} and sets its SEL clock to now. */
  public static IpmiSimBmc start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    IpmiSimBmc bmc = new IpmiSimBmc(dir.toAbsolutePath(), freeUdpPort(), freeTcpPort());
    bmc.prepare();
    bmc.launch();
    bmc.ipmitool("sel", "time", "set", "now");
    return bmc;
  }

  private void prepare() throws IOException {
    copy("bmc.emu");
    Path hook = copy("chassis-control.sh");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
    Path password = dir.resolve("password");
    SecretFile.write(password, PASSWORD);
    String lan = resource("lan.conf");
    lan =
        lan.replace("@UDP_PORT@", Integer.toString(udpPort))
            .replace("@CONSOLE_PORT@", Integer.toString(consolePort))
            .replace("@PASSWORD@", PASSWORD)
            .replace("@STATE_DIR@", dir.toString())
            .replace("@RECIPE_DIR@", dir.toString());
    Files.writeString(dir.resolve("lan.conf"), lan);
    Path sim = dir.resolve("sim");
    if (Files.exists(sim)) {
      try (var files = Files.walk(sim)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(sim);
  }

  private void launch() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(
                "ipmi_sim",
                "-n",
                "-c",
                dir.resolve("lan.conf").toString(),
                "-f",
                dir.resolve("bmc.emu").toString(),
                "-s",
                dir.resolve("sim").toString())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("ipmi_sim.log").toFile())
            .start();
    boolean[] exited = {false};
    try {
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .pollInterval(java.time.Duration.ofMillis(50))
          .ignoreExceptions()
          .until(
              () -> {
                if (!process.isAlive()) {
                  exited[0] = true;
                  return true;
                }
                return run(List.of("-N", "1", "-R", "1", "mc", "info")).exit == 0;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      stop();
      throw new IOException("the simulated BMC did not answer on UDP " + udpPort + " in 10 s", e);
    }
    if (exited[0]) {
      throw new IOException(
          "ipmi_sim exited during start: " + Files.readString(dir.resolve("ipmi_sim.log")));
    }
  }

  /** Stops ipmi_sim (its SEL stays in the state folder). */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Starts ipmi_sim again on the same ports and state (a BMC restart): the SEL and its ids stay,
   * the SEL clock is set to now again.
   */
  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
    ipmitool("sel", "time", "set", "now");
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  public int udpPort() {
    return udpPort;
  }

  public Path passwordFile() {
    return dir.resolve("password");
  }

  public Path dir() {
    return dir;
  }

  /** Settings of the ipmi alert source for this BMC, polling every second. */
  public IpmiSettings settings() {
    return IpmiSettings.lan("127.0.0.1", udpPort, USER, passwordFile().toString())
        .withPollSeconds(1);
  }

  public IpmiIdentifySettings identifySettings() {
    return IpmiIdentifySettings.lan("127.0.0.1", udpPort, USER, passwordFile().toString());
  }

  /** The lines the chassis hook logged ({@code set identify 0 1} ...), empty before any. */
  public List<String> chassisLog() throws IOException {
    Path log = dir.resolve("chassis.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  /** The DIMM A1 (sensor 2) correctable-ECC-logging-limit bit: set = predictive failure. */
  public void dimmEccLimit(boolean set) throws IOException {
    inject("sensor_set_bit 0x20 0 2 5 " + (set ? 1 : 0) + " 1");
  }

  /**
   * Runs ipmi_sim console commands (man ipmi_sim_cmd); returns the replies; throws on a {@code **}
   * error reply. Half-closes first, so the simulator's console port never sits in TIME_WAIT.
   */
  public List<String> inject(String... commands) throws IOException {
    for (String c : commands) {
      if (c.strip().startsWith("quit")) {
        throw new IllegalArgumentException("quit would end the simulator; use stop()");
      }
    }
    StringBuilder text = new StringBuilder("noecho\n");
    for (String c : commands) {
      text.append(c).append('\n');
    }
    byte[] raw;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), consolePort), 5000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(text.toString().getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      socket.shutdownOutput();
      raw = socket.getInputStream().readAllBytes();
    }
    List<String> replies = new ArrayList<>();
    for (String line : new String(raw, StandardCharsets.ISO_8859_1).split("\n")) {
      String l = line.replaceAll("[\r\001\003\373\376\377]", "").replaceAll("^(> )*", "").strip();
      if (!l.isEmpty() && !l.equals("noecho") && !l.equals(">")) {
        replies.add(l);
      }
    }
    for (String r : replies) {
      if (r.startsWith("**")) {
        throw new IOException("ipmi_sim console: " + r + " (for " + List.of(commands) + ")");
      }
    }
    return replies;
  }

  /** Runs ipmitool against this BMC; returns its stdout; throws when it fails. */
  public String ipmitool(String... args) throws IOException, InterruptedException {
    Result r = run(List.of(args));
    if (r.exit != 0) {
      throw new IOException("ipmitool " + String.join(" ", args) + ": " + r.out);
    }
    return r.out;
  }

  private record Result(int exit, String out) {}

  private Result run(List<String> args) throws IOException, InterruptedException {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ipmitool",
                "-I",
                "lanplus",
                "-H",
                "127.0.0.1",
                "-p",
                Integer.toString(udpPort),
                "-U",
                USER,
                "-f",
                passwordFile().toString(),
                "-C",
                "3"));
    argv.addAll(args);
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    p.getOutputStream().close();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, "timeout");
    }
    return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }

  private Path copy(String name) throws IOException {
    Path target = dir.resolve(name);
    Files.writeString(target, resource(name));
    return target;
  }

  private static String resource(String name) {
    try (InputStream in = IpmiSimBmc.class.getResourceAsStream("bmc/" + name)) {
      if (in == null) {
        throw new IllegalStateException("test resource bmc/" + name + " missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static int freeTcpPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Just for timing in tests. */
  public static Duration since(Instant t) {
    return Duration.between(t, Instant.now());
  }
}
