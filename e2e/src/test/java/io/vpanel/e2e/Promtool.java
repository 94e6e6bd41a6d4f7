package io.vpanel.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finds Prometheus' binaries (Debian {@code prometheus}) on PATH and runs {@code promtool}. */
final class Promtool {
  private Promtool() {}

  /** The executable {@code name} on PATH. */
  static Optional<Path> onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The shipped rules and their tests: {@code docs/prometheus} of the repository. */
  static Path docs() {
    return Path.of("..", "docs", "prometheus").toAbsolutePath().normalize();
  }

  /** What a run of promtool said and its exit status. */
  record Result(int exit, String output) {}

  /** Runs {@code promtool args...} in {@code dir}, at most a minute. */
  static Result run(Path promtool, Path dir, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(promtool.toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("promtool", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("promtool " + String.join(" ", args) + " hung");
      }
      return new Result(process.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
