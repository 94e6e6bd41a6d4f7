package io.vpanel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark and writes the report: {@code docs/BENCHMARKS.md} with its charts under
 * {@code docs/bench/}. {@code --smoke} runs a tiny version of each (for CI: it checks they still
 * run, never a timing) and writes under {@code bench/target/}. {@code --footprint} runs only
 * section 3 and prints it.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    boolean smoke = List.of(args).contains("--smoke");
    Path docs = smoke ? Path.of("bench/target/report") : Path.of("docs");
    Path charts = docs.resolve("bench");
    Files.createDirectories(charts);
    long started = System.nanoTime();
    Path out = docs.resolve(smoke ? "BENCHMARKS-smoke.md" : "BENCHMARKS.md");
    if (List.of(args).contains("--footprint")) {
      // Only section 3, printed (the packaged agent, libvirtd, node-exporter in one run).
      System.out.print(
          Report.footprintSection(
              new FootprintBench().run(smoke ? Duration.ofSeconds(2) : Duration.ofSeconds(10))));
      return;
    }
    if (List.of(args).contains("--etcd")) {
      // Only section 6, put in place of the one the report has (or appended).
      Files.writeString(out, EtcdSections.splice(readOrEmpty(out), etcd(smoke)));
      System.out.printf(Locale.ROOT, "wrote section 6 of %s%n", out);
      return;
    }
    if (List.of(args).contains("--libvirt")) {
      // Only section 7, put in place of the one the report has (or appended).
      Files.writeString(
          out,
          EtcdSections.splice(
              readOrEmpty(out), LibvirtEvacuationBench.SECTION, libvirt(smoke, charts, docs)));
      System.out.printf(Locale.ROOT, "wrote section 7 of %s%n", out);
      return;
    }

    System.out.println("1/5 evacuation makespan on the simulator");
    List<EvacuationBench.Row> rows = new ArrayList<>();
    for (EvacuationBench.Scenario scenario : EvacuationBench.scenarios(smoke)) {
      rows.add(EvacuationBench.run(scenario, 42));
    }
    System.out.println(EvacuationReport.summary(rows));

    System.out.println("2/5 latency");
    // A discarded warm-up first, so neither measured run pays for the JIT alone.
    new LatencyBench().run(smoke ? 5 : 300, smoke ? 2 : 20, true);
    LatencyBench.Result latency = new LatencyBench().run(smoke ? 20 : 2000, smoke ? 4 : 100, false);
    LatencyBench.Result threePanels =
        new LatencyBench().run(smoke ? 20 : 2000, smoke ? 4 : 100, true);

    System.out.println("2b/5 latency to a real LCD (LCDd)");
    Optional<LcdLatencyBench.Result> lcd = new LcdLatencyBench().run(smoke ? 5 : 200);

    System.out.println("3/5 footprint");
    FootprintBench.Result footprint =
        new FootprintBench().run(smoke ? Duration.ofSeconds(2) : Duration.ofSeconds(10));

    System.out.println("3b/5 a flood of event streams");
    StreamFloodBench.Result flood = new StreamFloodBench().run(smoke ? 300 : 5000);

    System.out.println("4/5 planner scale (JMH)");
    List<double[]> scale = scale(smoke);

    System.out.println("5/5 API under load");
    ApiLoadBench.Result load =
        new ApiLoadBench().run(smoke ? 10 : 200, Duration.ofSeconds(smoke ? 2 : 10));

    double minutes = (System.nanoTime() - started) / 60e9;
    String report =
        Report.markdown(
            rows,
            latency,
            threePanels,
            lcd,
            footprint,
            flood,
            scale,
            load,
            minutes,
            smoke,
            charts,
            docs);
    // The smoke run leaves etcd to its own smoke test (EtcdScaleSmokeTest).
    if (!smoke && !List.of(args).contains("--no-etcd")) {
      report = EtcdSections.splice(report, etcd(smoke));
    }
    // The smoke run leaves libvirt to its own smoke test (LibvirtEvacuationSmokeTest).
    if (!smoke && !List.of(args).contains("--no-libvirt")) {
      report =
          EtcdSections.splice(report, LibvirtEvacuationBench.SECTION, libvirt(smoke, charts, docs));
    }
    Files.writeString(out, report);
    System.out.printf(Locale.ROOT, "wrote %s in %.1f min%n", docs, minutes);
  }

  /** Section 6: simulated agents against a real 3-member etcd; a note when etcd is missing. */
  static String etcd(boolean smoke) throws Exception {
    System.out.println("6/6 etcd scale");
    if (!EtcdSections.etcdInstalled()) {
      return EtcdScaleBench.SECTION
          + "\n\nNot measured: etcd is not installed (apt-get install etcd-server etcd-client).\n";
    }
    // etcd's data on tmpfs where there is one: on a shared box other processes' disk writes would
    // stall etcd's fsync and show in every figure (the section says where the data was).
    Path shm = Path.of("/dev/shm");
    Path dir =
        Files.isDirectory(shm) && Files.isWritable(shm)
            ? Files.createTempDirectory(shm, "vpanel-etcd-bench")
            : Files.createTempDirectory("vpanel-etcd-bench");
    try {
      return EtcdScaleBench.markdown(new EtcdScaleBench(EtcdScaleBench.Sizes.of(smoke)).run(dir));
    } finally {
      EtcdSections.deleteTree(dir);
    }
  }

  /** Section 7: evacuation on real libvirtd + QEMU hosts in network namespaces. */
  static String libvirt(boolean smoke, Path charts, Path docs) throws IOException {
    System.out.println("7/7 evacuation on real QEMU (libvirt)");
    LibvirtEvacuationBench.Result result = new LibvirtEvacuationBench(smoke).run();
    return LibvirtReport.markdown(result, smoke) + LibvirtReport.charts(result, charts, docs);
  }

  private static String readOrEmpty(Path file) throws java.io.IOException {
    return Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n";
  }

  /** Rows of {vms on the cluster, hosts, microseconds per plan}. */
  private static List<double[]> scale(boolean smoke) throws Exception {
    OptionsBuilder options = new OptionsBuilder();
    options
        .include(PlannerScaleBench.class.getName())
        .forks(1)
        .warmupIterations(smoke ? 1 : 3)
        .warmupTime(TimeValue.milliseconds(smoke ? 200 : 1000))
        .measurementIterations(smoke ? 1 : 3)
        .measurementTime(TimeValue.milliseconds(smoke ? 200 : 1000))
        .shouldDoGC(false);
    if (smoke) {
      options.param("size", "10x200", "100x2000", "100x100");
    }
    Collection<RunResult> results = new Runner(options.build()).run();
    List<double[]> out = new ArrayList<>();
    for (RunResult result : results) {
      String[] size = result.getParams().getParam("size").split("x");
      out.add(
          new double[] {
            Double.parseDouble(size[1]),
            Double.parseDouble(size[0]),
            result.getPrimaryResult().getScore()
          });
    }
    out.sort((a, b) -> Double.compare(a[0], b[0]));
    return out;
  }

  static String now() {
    return Instant.now().toString();
  }
}
