package io.vpanel.bench;

import io.vpanel.bench.LibvirtEvacuationBench.GuestSpec;
import io.vpanel.bench.LibvirtEvacuationBench.Migration;
import io.vpanel.bench.LibvirtEvacuationBench.Result;
import io.vpanel.bench.LibvirtEvacuationBench.Run;
import io.vpanel.core.plan.LinkModel;
import io.vpanel.core.plan.Plan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    long busy = r.guests().stream().filter(GuestSpec::busy).count();
    String paced =
        r.guests().stream()
            .filter(GuestSpec::paced)
            .map(g -> g.name() + " with shift=" + g.icountShift())
            .collect(Collectors.joining(", "));
    out.append(LibvirtEvacuationBench.SECTION).append("\n\n");
    out.append(
        String.format(
            Locale.ROOT,
            "Two libvirtd + QEMU 7.2 (TCG) hosts in network namespaces (the `TwoHosts` fixture of"
                + " `testkit`), a's veth capped at %d Mbit/s with `tc tbf` so the link is the"
                + " bottleneck. Host a runs %d guests of 128 MiB: %d memtest86+ guests that rewrite"
                + " their RAM (%s) and %d idle ones (SeaBIOS halted). Each run boots the memtest"
                + " guests afresh (they rewrite their RAM from a few seconds to about a minute after"
                + " boot); the paced guest, which boots at its pace too, and the idle ones live"
                + " through the runs (virsh migrates them back to a between them) and each run"
                + " waits until the libvirt driver's own dirty-rate sampler"
                + " (`virDomainStartDirtyRateCalc`, every %d s) reports the memtest ones writing (%d"
                + " MiB/s or more; the paced one gets %d s more: its read and wait phases last over"
                + " a minute at its pace, and then it moves as sampled); then the"
                + " engine, driving the real libvirt driver (peer-to-peer, auto-converge 50/+25 %%, downtime steps 300 ms doubled every %d rounds up to %d ms),"
                + " puts a into maintenance and b receives everything. Configurations: the planner"
                + " (concurrency and per-guest features), and a fixed concurrency of 1, 2, 4 and 8"
                + " with the features the planner chooses for it. The planner runs first, on one"
                + " engine that learns, as an agent on its host does: its first run plans with"
                + " the driver's declared link, %s. Bytes, pre-copy rounds and downtime come from"
                + " libvirt's job statistics (the destination's completed job).\n\n",
            r.linkMbit(),
            r.guests().size(),
            busy,
            paced.isEmpty()
                ? "as fast as TCG runs them"
                : paced
                    + " paced by QEMU's instruction counter, `-icount shift=N,sleep=on,align=on`, which sets"
                    + " its dirty rate: 30-38 MB/s while memtest writes, less in its read phases",
            r.guests().size() - busy,
            LibvirtEvacuationBench.SAMPLE_SECONDS,
            LibvirtEvacuationBench.MEMTEST_WRITING / LibvirtEvacuationBench.MIB,
            LibvirtEvacuationBench.PACED_WAIT.toSeconds(),
            LibvirtEvacuationBench.DOWNTIME_STEP_ROUNDS,
            LibvirtEvacuationBench.DOWNTIME_CEILING_MILLIS,
            smoke
                ? "the second with what the engine learned from the first (smoke run)"
                : "the later ones with what the engine learned from the hypervisor's job"
                    + " statistics of its earlier runs ("
                    + (r.repetitions() + 1)
                    + " planner runs, "
                    + r.repetitions()
                    + " of each fixed concurrency)"));
    out.append(
        String.format(
            Locale.ROOT,
            "Machine load (1/5/15 min) before: %s, after: %s (2 cores shared with other work);"
                + " %.1f minutes.\n\n",
            r.loadBefore(),
            r.loadAfter(),
            r.minutes()));

    double bound = LibvirtEvacuationBench.lowerBoundSeconds(r.runs());
    Map<Integer, List<Run>> byConfig = new TreeMap<>();
    for (Run run : r.runs()) {
      byConfig.computeIfAbsent(run.config(), k -> new ArrayList<>()).add(run);
    }
    List<Run> plannerRuns = byConfig.getOrDefault(0, List.of());
    List<Run> before = plannerRuns.stream().filter(run -> !run.learned()).toList();
    List<Run> after = plannerRuns.stream().filter(Run::learned).toList();
    double planner = mean(plannerRuns);
    double plannerLearned = after.isEmpty() ? planner : mean(after);
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
    long left = r.runs().stream().mapToLong(run -> run.leftOnSource().size()).sum();
    out.append(
        String.format(
            Locale.ROOT,
            "- lower bound (every guest's least volume seen in any run over the %d Mbit/s link"
                + " once; no set-up): %.1f s\n",
            r.linkMbit(),
            bound));
    out.append(
        String.format(
            Locale.ROOT,
            "- planner / lower bound: %.2fx (mean makespan of all planner runs), %.2fx after"
                + " learning\n",
            planner / bound,
            plannerLearned / bound));
    out.append(
        String.format(
            Locale.ROOT,
            "- planner / best fixed concurrency (c=%s): %s, %s after learning\n",
            bestFixedConfig == 0 ? "none run" : String.valueOf(bestFixedConfig),
            ratio(planner, bestFixed),
            ratio(plannerLearned, bestFixed)));
    out.append(
        String.format(
            Locale.ROOT,
            "- predicted / measured, before learning (the driver's declared link): %s\n",
            errors(before)));
    out.append(
        String.format(
            Locale.ROOT,
            "- predicted / measured, after learning (the engine's learned link): %s\n",
            errors(after)));
    if (!plannerRuns.isEmpty()) {
      double simulated = LibvirtEvacuationBench.simulatorSeconds(plannerRuns.get(0), r.guests());
      out.append(
          String.format(
              Locale.ROOT,
              "- the simulator's prediction for this bed (the same guests, link and sampled dirty"
                  + " rates, its own set-up time and no zero-page skipping, planner on the virtual"
                  + " clock): %.1f s, %.2fx the planner's mean measured makespan\n",
              simulated,
              simulated / planner));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "- concurrency the planner chose: %s\n",
            plannerRuns.stream()
                .map(run -> (run.learned() ? "learned " : "declared ") + run.concurrency())
                .collect(Collectors.joining(", "))));
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
        "The link the planner modelled, per planner run (`link` in the plan: declared by the"
            + " driver, then learned by the engine):\n\n");
    out.append(
        "| planner run | learned | link MiB/s | per connection MiB/s | set-up s |"
            + " first-pass ratio | throttled share (by number in flight; by guest) | XBZRLE resend ratio | predicted s |"
            + " measured s |"
            + " predicted / measured |\n");
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Run run : plannerRuns) {
      LinkModel link = run.plan().link().orElse(null);
      out.append(
          String.format(
              Locale.ROOT,
              "| #%d | %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f | %.2fx |\n",
              run.repetition() + 1,
              run.learned() ? "yes" : "no",
              link == null ? "-" : mibps(link.nicBytesPerSec()),
              link == null ? "-" : mibps(link.streamBytesPerSec()),
              link == null ? "-" : String.format(Locale.ROOT, "%.2f", link.setupSeconds()),
              link == null ? "-" : String.format(Locale.ROOT, "%.3f", link.firstPassRatio()),
              link == null ? "-" : throttled(link, run.plan()),
              link == null ? "-" : String.format(Locale.ROOT, "%.2f", link.xbzrleResendRatio()),
              run.plan().predictedSeconds(),
              run.seconds(),
              run.plan().predictedSeconds() / run.seconds()));
    }
    out.append("\n");
    out.append(
        "Every run (features: what the plan chose per guest, then what each migration ran with"
            + " per the journal, after any fallback; dirty rates as the driver reported them at"
            + " the request):\n\n");
    out.append(
        "| run | c | end state | makespan s | predicted s | MiB sent | rounds per guest |"
            + " downtime ms per guest | dirty MiB/s | features planned | features used |"
            + " guests on b |\n");
    out.append("|---|---:|---|---:|---:|---:|---|---|---|---|---|---:|\n");
    for (Run run : r.runs()) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s #%d | %d | %s | %.1f | %s | %.0f | %s | %s | %s | %s | %s | %d of %d |\n",
              label(run.config()),
              run.repetition() + 1,
              run.concurrency(),
              run.state(),
              run.seconds(),
              run.config() == 0
                  ? String.format(Locale.ROOT, "%.1f", run.plan().predictedSeconds())
                  : "-",
              run.bytes() / (double) LibvirtEvacuationBench.MIB,
              perGuest(run, m -> String.valueOf(m.rounds())),
              perGuest(run, m -> String.valueOf(m.downtimeMillis())),
              new TreeMap<>(run.dirtyRates())
                  .entrySet().stream()
                      .filter(x -> x.getValue() > 0)
                      .map(x -> x.getKey() + " " + x.getValue() / LibvirtEvacuationBench.MIB)
                      .collect(Collectors.joining(", ")),
              run.plannedFeatures().entrySet().stream()
                  .map(e -> e.getKey() + " " + e.getValue())
                  .collect(Collectors.joining("; ")),
              perGuest(
                      run,
                      m -> m.features() + (m.fallback().isBlank() ? "" : " (" + m.fallback() + ")"))
                  .replace(", ", "; "),
              run.onDestination().size(),
              r.guests().size()));
    }
    out.append("\n");
    return out.toString();
  }

  /**
   * The section's two charts, written under {@code charts}: mean makespan per configuration against
   * the lower bound, and each planner run's predicted makespan beside the measured one. Returns the
   * markdown that shows them.
   */
  static String charts(Result r, Path charts, Path docs) throws IOException {
    Map<String, List<Run>> byLabel = new LinkedHashMap<>();
    for (Run run : r.runs()) {
      String key =
          run.config() > 0 ? "c=" + run.config() : run.learned() ? "planner, learned" : "planner";
      byLabel.computeIfAbsent(key, k -> new ArrayList<>()).add(run);
    }
    List<String> categories = new ArrayList<>(new TreeMap<>(byLabel).keySet());
    double[][] makespans = new double[categories.size()][1];
    for (int i = 0; i < categories.size(); i++) {
      makespans[i][0] = mean(byLabel.get(categories.get(i)));
    }
    Path makespan = charts.resolve("libvirt-makespan.svg");
    Files.writeString(
        makespan,
        SvgChart.bars(
            "Real QEMU: mean makespan per configuration (dashed: lower bound)",
            categories,
            List.of("makespan s"),
            makespans,
            LibvirtEvacuationBench.lowerBoundSeconds(r.runs()),
            "seconds"));
    List<Run> planner = r.runs().stream().filter(run -> run.config() == 0).toList();
    List<String> runs = new ArrayList<>();
    double[][] predicted = new double[planner.size()][2];
    for (int i = 0; i < planner.size(); i++) {
      Run run = planner.get(i);
      runs.add("#" + (run.repetition() + 1) + (run.learned() ? " learned" : " declared"));
      predicted[i][0] = run.plan().predictedSeconds();
      predicted[i][1] = run.seconds();
    }
    Path prediction = charts.resolve("libvirt-prediction.svg");
    Files.writeString(
        prediction,
        SvgChart.bars(
            "Real QEMU: the planner's predicted makespan beside the measured one",
            runs,
            List.of("predicted s", "measured s"),
            predicted,
            0,
            "seconds"));
    return "![real QEMU makespan per configuration]("
        + docs.relativize(makespan)
        + ")\n\n![predicted and measured makespan per planner run]("
        + docs.relativize(prediction)
        + ")\n";
  }

  private static String errors(List<Run> runs) {
    if (runs.isEmpty()) {
      return "no run";
    }
    List<Double> ratios =
        runs.stream().map(run -> run.plan().predictedSeconds() / run.seconds()).toList();
    return String.format(
        Locale.ROOT,
        "geometric mean %.2fx, range %.2fx-%.2fx; within 20 %%: %d of %d runs",
        geomean(ratios),
        min(ratios),
        max(ratios),
        ratios.stream().filter(x -> x >= 0.8 && x <= 1.2).count(),
        ratios.size());
  }

  private static String ratio(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) ? "n/a" : String.format(Locale.ROOT, "%.2fx", a / b);
  }

  /**
   * The overall throttled share, the one per number in flight, then each planned guest's own: "0.86
   * (1: 0.85, 2: 0.88; busy1 2: 0.9, paced1 1: 0.5)".
   */
  private static String throttled(LinkModel link, Plan plan) {
    String overall = String.format(Locale.ROOT, "%.2f", link.throttledShare());
    if (link.throttledShareByInFlight().isEmpty()) {
      return overall;
    }
    String byGuest =
        plan.moves().stream()
            .filter(move -> link.throttledShareByGuest().containsKey(move.vm().uuid()))
            .map(
                move ->
                    move.vm().name()
                        + " "
                        + byInFlight(link.throttledShareByGuest().get(move.vm().uuid())))
            .sorted()
            .collect(Collectors.joining(", "));
    return overall
        + " ("
        + byInFlight(link.throttledShareByInFlight())
        + (byGuest.isEmpty() ? "" : "; " + byGuest)
        + ")";
  }

  private static String byInFlight(Map<Integer, Double> shares) {
    return new TreeMap<>(shares)
        .entrySet().stream()
            .map(e -> String.format(Locale.ROOT, "%d: %.2f", e.getKey(), e.getValue()))
            .collect(Collectors.joining(", "));
  }

  private static String mibps(long bytesPerSec) {
    return String.format(Locale.ROOT, "%.1f", bytesPerSec / (double) LibvirtEvacuationBench.MIB);
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
