package io.vpanel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the benchmarks and writes docs/BENCHMARKS.md. {@code --smoke} runs a tiny version. */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws IOException {
    boolean smoke = List.of(args).contains("--smoke");
    boolean evacuationOnly = List.of(args).contains("--evacuation");
    List<EvacuationBench.Row> rows = new ArrayList<>();
    long started = System.nanoTime();
    for (EvacuationBench.Scenario scenario : EvacuationBench.scenarios(smoke)) {
      rows.add(EvacuationBench.run(scenario, 42));
    }
    System.out.printf(
        "evacuation: %d scenarios in %.1f s%n", rows.size(), (System.nanoTime() - started) / 1e9);
    System.out.println(EvacuationReport.summary(rows));
    if (evacuationOnly) {
      System.out.println(EvacuationReport.table(rows));
      return;
    }
    Path out = Path.of(smoke ? "bench/target/BENCHMARKS-smoke.md" : "docs/BENCHMARKS.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, EvacuationReport.summary(rows) + "\n" + EvacuationReport.table(rows));
  }
}
