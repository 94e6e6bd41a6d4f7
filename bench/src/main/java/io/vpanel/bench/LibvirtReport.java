package io.vpanel.bench;

import io.vpanel.bench.LibvirtEvacuationBench.Calibration;
import io.vpanel.bench.LibvirtEvacuationBench.GuestSpec;
import io.vpanel.bench.LibvirtEvacuationBench.Migration;
import io.vpanel.bench.LibvirtEvacuationBench.Result;
import io.vpanel.bench.LibvirtEvacuationBench.Run;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Section 7 of the report: the real-QEMU evacuation. */
final class LibvirtReport {
  private LibvirtReport() {}

  static String markdown(Result r, boolean smoke) {
    StringBuilder out = new StringBuilder();
    Calibration cal = r.calibration();
    long busy = r.guests().stream().filter(GuestSpec::busy).count();
    out.append(LibvirtEvacuationBench.SECTION).append("\n\n");
    out.append(
        String.format(
            Locale.ROOT,
            "Two libvirtd + QEMU 7.2 (TCG) hosts in network namespaces (the `TwoHosts` fixture of"
                + " `testkit`), a's veth capped at %d Mbit/s with `tc tbf` so the link is the"
                + " bottleneck. Host a runs %d guests of 128 MiB: %d memtest86+ guests that rewrite"
                + " their RAM and %d idle ones (SeaBIOS halted). Each run boots them afresh, samples"
                + " every guest's dirty rate with `virsh domdirtyrate-calc` (page sampling, 1 s),"
                + " then the engine, driving the real libvirt driver (peer-to-peer, auto-converge"
                + " 50/+25 %%), puts a into maintenance and b receives everything. Configurations:"
                + " the planner, and a fixed concurrency of 1, 2, 4 and 8; %d repetition(s) each,"
                + " interleaved. Bytes, pre-copy rounds and downtime come from libvirt's job"
                + " statistics (the destination's completed job). %s\n\n",
            r.linkMbit(),
            r.guests().size(),
            busy,
            r.guests().size() - busy,
            r.repetitions(),
            smoke
                ? "Smoke run: one evacuation by the planner, calibrated on itself."
                : "A calibration run at c=1 before them is not counted: it measures what the"
                    + " learned prediction uses."));
    out.append(
        String.format(
            Locale.ROOT,
            "Machine load (1/5/15 min) before: %s, after: %s (2 cores shared with other work);"
                + " %.1f minutes.\n\n",
            r.loadBefore(),
            r.loadAfter(),
            r.minutes()));
    out.append(
        String.format(
            Locale.ROOT,
            "Calibration (learned from the job statistics): set-up %.2f s per migration,"
                + " throughput %.1f MiB/s per migration, bytes sent per guest (re-sent pages"
                + " included): %s.\n\n",
            cal.setupSeconds(),
            cal.linkBytesPerSec() / (double) LibvirtEvacuationBench.MIB,
            new TreeMap<>(cal.volume())
                .entrySet().stream()
                    .map(e -> e.getKey() + " " + mib(e.getValue()))
                    .collect(Collectors.joining(", "))));

    double bound = LibvirtEvacuationBench.lowerBoundSeconds(cal, r.runs().get(0));
    Map<Integer, List<Run>> byConfig = new TreeMap<>();
    for (Run run : r.runs()) {
      byConfig.computeIfAbsent(run.config(), k -> new ArrayList<>()).add(run);
    }
    double planner = mean(byConfig.getOrDefault(0, List.of()));
    double bestFixed = Double.NaN;
    int bestFixedConfig = 0;
    for (Map.Entry<Integer, List<Run>> e : byConfig.entrySet()) {
      if (e.getKey() > 0 && allMoved(e.getValue(), r.guests().size())) {
        double m = mean(e.getValue());
        if (Double.isNaN(bestFixed) || m < bestFixed) {
          bestFixed = m;
          bestFixedConfig = e.getKey();
        }
      }
    }
    List<Double> errPlanned = new ArrayList<>();
    List<Double> errLearned = new ArrayList<>();
    for (Run run : r.runs()) {
      errPlanned.add(LibvirtEvacuationBench.predictedAsPlanned(run) / run.seconds());
      errLearned.add(LibvirtEvacuationBench.predictedLearned(run, cal) / run.seconds());
    }
    long left = r.runs().stream().mapToLong(run -> run.leftOnSource().size()).sum();
    out.append(
        String.format(
            Locale.ROOT,
            "- lower bound (every guest's non-zero memory over the %d Mbit/s link once; no re-sent"
                + " pages, no set-up): %.1f s\n",
            r.linkMbit(),
            bound));
    out.append(
        String.format(
            Locale.ROOT, "- planner / lower bound: %.2fx (mean makespan)\n", planner / bound));
    out.append(
        String.format(
            Locale.ROOT,
            "- planner / best fixed concurrency (c=%s): %s\n",
            bestFixedConfig == 0 ? "none run" : String.valueOf(bestFixedConfig),
            Double.isNaN(bestFixed)
                ? "n/a"
                : String.format(Locale.ROOT, "%.2fx", planner / bestFixed)));
    out.append(
        String.format(
            Locale.ROOT,
            "- predicted / measured, planner's own inputs (before learning): geometric mean %.2fx,"
                + " range %.2fx-%.2fx\n",
            geomean(errPlanned),
            min(errPlanned),
            max(errPlanned)));
    out.append(
        String.format(
            Locale.ROOT,
            "- predicted / measured, learned inputs (after learning): geometric mean %.2fx, range"
                + " %.2fx-%.2fx; within 20 %%: %d of %d runs\n",
            geomean(errLearned),
            min(errLearned),
            max(errLearned),
            errLearned.stream().filter(x -> x >= 0.8 && x <= 1.2).count(),
            errLearned.size()));
    Run first = r.runs().get(0);
    out.append(
        String.format(
            Locale.ROOT,
            "- concurrency the planner chose: %d; the same rule on the learned inputs would"
                + " choose %d\n",
            first.concurrency(),
            LibvirtEvacuationBench.learnedChoice(first, cal)));
    out.append(String.format(Locale.ROOT, "- guests left on the source: %d\n\n", left));

    out.append(
        "| configuration | runs | makespan s mean (min-max) | / lower bound | / planner |"
            + " MiB sent | max downtime ms | pre-copy rounds | failed migrations |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<Integer, List<Run>> e : byConfig.entrySet()) {
      List<Run> runs = e.getValue();
      double m = mean(runs);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f (%.1f-%.1f) | %.2fx | %.2fx | %.0f | %d | %.1f | %d |\n",
              label(e.getKey()),
              runs.size(),
              m,
              runs.stream().mapToDouble(Run::seconds).min().orElse(0),
              runs.stream().mapToDouble(Run::seconds).max().orElse(0),
              m / bound,
              m / planner,
              runs.stream().mapToLong(Run::bytes).average().orElse(0) / LibvirtEvacuationBench.MIB,
              runs.stream().mapToLong(Run::maxDowntimeMillis).max().orElse(0),
              runs.stream().mapToInt(Run::rounds).average().orElse(0),
              runs.stream().mapToLong(Run::failed).sum()));
    }
    out.append("\n");
    out.append(
        "Every run (predicted: the planner's model at the run's concurrency; \"as planned\" from"
            + " the driver's report, \"learned\" from the calibration run's job statistics; the"
            + " dirty rates sampled before the run are shown, the model does not use them yet):\n\n");
    out.append(
        "| run | c | end state | makespan s | predicted as planned s | predicted learned s |"
            + " MiB sent | rounds per guest | downtime ms per guest | dirty MiB/s sampled |"
            + " guests on b |\n");
    out.append("|---|---:|---|---:|---:|---:|---:|---|---|---|---:|\n");
    for (Run run : r.runs()) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s #%d | %d | %s | %.1f | %.1f | %.1f | %.0f | %s | %s | %s | %d of %d |\n",
              label(run.config()),
              run.repetition() + 1,
              run.concurrency(),
              run.state(),
              run.seconds(),
              LibvirtEvacuationBench.predictedAsPlanned(run),
              LibvirtEvacuationBench.predictedLearned(run, cal),
              run.bytes() / (double) LibvirtEvacuationBench.MIB,
              perGuest(run, m -> String.valueOf(m.rounds())),
              perGuest(run, m -> String.valueOf(m.downtimeMillis())),
              new TreeMap<>(run.dirtyRates())
                  .entrySet().stream()
                      .filter(x -> x.getValue() > 0)
                      .map(x -> x.getKey() + " " + x.getValue() / LibvirtEvacuationBench.MIB)
                      .collect(Collectors.joining(", ")),
              run.onDestination().size(),
              r.guests().size()));
    }
    out.append(
        "\nThe learned prediction is computed by the benchmark from the driver's job statistics;"
            + " the engine's planner itself still plans with the configured link, the driver's"
            + " zero dirty rate and full guest memory (see the issue's closing note).\n");
    return out.toString();
  }

  private static String perGuest(Run run, java.util.function.Function<Migration, String> f) {
    return run.migrations().stream()
        .sorted(java.util.Comparator.comparing(Migration::vm))
        .map(m -> m.vm() + " " + (m.ok() ? f.apply(m) : "failed"))
        .collect(Collectors.joining(", "));
  }

  static boolean allMoved(List<Run> runs, int guests) {
    return runs.stream()
        .allMatch(r -> r.leftOnSource().isEmpty() && r.onDestination().size() == guests);
  }

  private static String label(int config) {
    return config == 0 ? "planner" : "c=" + config;
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) LibvirtEvacuationBench.MIB);
  }

  private static double mean(List<Run> runs) {
    return runs.stream().mapToDouble(Run::seconds).average().orElse(Double.NaN);
  }

  private static double geomean(List<Double> xs) {
    return Math.exp(xs.stream().mapToDouble(Math::log).average().orElse(0));
  }

  private static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
