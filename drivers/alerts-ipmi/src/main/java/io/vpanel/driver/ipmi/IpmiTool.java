package io.vpanel.driver.ipmi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs ipmitool as a child process, bounded: its output is cut at {@link #MAX_OUTPUT} bytes and a
 * call that outlives the timeout is killed (with its process tree). The password only ever reaches
 * ipmitool as {@code -f FILE}.
 */
final class IpmiTool {
  /**
   * More than any answer the driver asks for (a raw SEL entry is 18 bytes, an SDR list a few KB).
   */
  static final int MAX_OUTPUT = 256 * 1024;

  private final BmcConnection connection;

  IpmiTool(BmcConnection connection) {
    this.connection = connection;
  }

  BmcConnection connection() {
    return connection;
  }

  /** What one call printed. */
  record Result(int exit, String out, String err, boolean timedOut) {
    boolean ok() {
      return exit == 0 && !timedOut;
    }

    /** The first non-blank stderr line, cut to 200 characters, for health reasons and logs. */
    String problem() {
      if (timedOut) {
        return "ipmitool did not finish in time";
      }
      for (String line : err.split("\n")) {
        String l = line.strip();
        if (!l.isEmpty() && !l.startsWith("Unable to Get Channel Cipher Suites")) {
          return l.length() > 200 ? l.substring(0, 200) : l;
        }
      }
      return "ipmitool exited with " + exit;
    }
  }

  /** Runs {@code ipmitool <connection> <args>}; never throws for a failed call. */
  Result run(List<String> args) throws InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(connection.command(args));
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return new Result(
          127, "", "cannot run " + connection.ipmitool() + ": " + e.getMessage(), false);
    }
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    boolean finished;
    try {
      finished = process.waitFor(connection.timeoutSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      kill(process);
      throw e;
    }
    if (!finished) {
      kill(process);
      return new Result(-1, text(out), text(err), true);
    }
    return new Result(process.exitValue(), text(out), text(err), false);
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("ipmitool-output")
        .start(
            () -> {
              ByteArrayOutputStream kept = new ByteArrayOutputStream();
              byte[] buffer = new byte[8192];
              try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  int room = MAX_OUTPUT - kept.size();
                  if (room > 0) {
                    kept.write(buffer, 0, Math.min(room, n));
                  }
                }
              } catch (IOException e) {
                // the process was killed; keep what came
              }
              result.complete(kept.toString(StandardCharsets.UTF_8));
            });
    return result;
  }

  private static String text(CompletableFuture<String> output) {
    try {
      return output.get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    } catch (ExecutionException | TimeoutException e) {
      return "";
    }
  }
}
