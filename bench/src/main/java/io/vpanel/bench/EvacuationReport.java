package io.vpanel.bench;

import io.vpanel.bench.EvacuationBench.Outcome;
import io.vpanel.bench.EvacuationBench.Row;
import java.util.List;
import java.util.Locale;

/** Turns evacuation rows into Markdown tables and a summary. */
final class EvacuationReport {
  private EvacuationReport() {}

  static String table(List<Row> rows) {
    StringBuilder out = new StringBuilder();
    out.append(
        "| scenario | lower bound s | planner s | planner / bound | planner / best fixed | c=1 | c=2"
            + " | c=4 | c=8 | re-sent (planner) | failed migrations (planner / worst fixed) |"
            + " peak concurrency |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row row : rows) {
      Outcome planner = row.planner();
      double p = EvacuationBench.seconds(planner.makespan());
      out.append("| ").append(row.scenario().name());
      out.append(" | ").append(fmt(row.lowerBoundSeconds()));
      out.append(" | ").append(fmt(p)).append(planner.vmsLeftBehind() > 0 ? " (FAILED)" : "");
      out.append(" | ").append(ratio(p / row.lowerBoundSeconds()));
      out.append(" | ").append(ratio(p / row.bestFixedSeconds()));
      for (int i = 1; i < row.outcomes().size(); i++) {
        Outcome fixed = row.outcomes().get(i);
        double f = EvacuationBench.seconds(fixed.makespan());
        out.append(" | ")
            .append(ratio(f / p))
            .append(fixed.vmsLeftBehind() > 0 ? " (" + fixed.vmsLeftBehind() + " left)" : "");
      }
      int worstFailed =
          row.outcomes().subList(1, row.outcomes().size()).stream()
              .mapToInt(Outcome::failedMigrations)
              .max()
              .orElse(0);
      out.append(" | ").append(String.format(Locale.ROOT, "%.0f%%", 100 * planner.resentRatio()));
      out.append(" | ").append(planner.failedMigrations()).append(" / ").append(worstFailed);
      out.append(" | ").append(planner.peakConcurrency()).append(" |\n");
    }
    return out.toString();
  }

  /** Geometric means and worst cases over all rows. */
  static String summary(List<Row> rows) {
    double logBound = 0;
    double logBest = 0;
    double worstBest = 0;
    double worstBound = 0;
    String worstBestName = "";
    int n = 0;
    int lost = 0;
    double[] logFixed = new double[EvacuationBench.CONFIGS.length];
    for (Row row : rows) {
      double p = EvacuationBench.seconds(row.planner().makespan());
      double toBound = p / row.lowerBoundSeconds();
      double toBest = p / row.bestFixedSeconds();
      logBound += Math.log(toBound);
      logBest += Math.log(toBest);
      worstBound = Math.max(worstBound, toBound);
      if (toBest > worstBest) {
        worstBest = toBest;
        worstBestName = row.scenario().name();
      }
      for (int i = 1; i < row.outcomes().size(); i++) {
        logFixed[i] += Math.log(EvacuationBench.seconds(row.outcomes().get(i).makespan()) / p);
      }
      lost += row.planner().vmsLeftBehind();
      n++;
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "- scenarios: %d%n", n));
    out.append(
        String.format(
            Locale.ROOT,
            "- planner / lower bound: geometric mean %s, worst %s%n",
            ratio(Math.exp(logBound / n)),
            ratio(worstBound)));
    out.append(
        String.format(
            Locale.ROOT,
            "- planner / best fixed concurrency of the same scenario: geometric mean %s, worst %s"
                + " (%s)%n",
            ratio(Math.exp(logBest / n)),
            ratio(worstBest),
            worstBestName));
    for (int i = 1; i < EvacuationBench.CONFIGS.length; i++) {
      out.append(
          String.format(
              Locale.ROOT,
              "- fixed concurrency %d / planner: geometric mean %s%n",
              EvacuationBench.CONFIGS[i],
              ratio(Math.exp(logFixed[i] / n))));
    }
    out.append(String.format(Locale.ROOT, "- VMs the planner left behind: %d%n", lost));
    return out.toString();
  }

  static String fmt(double seconds) {
    return String.format(Locale.ROOT, seconds < 10 ? "%.2f" : "%.1f", seconds);
  }

  static String ratio(double value) {
    return String.format(Locale.ROOT, "%.2fx", value);
  }
}
