package io.vpanel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks still run end to end (tiny sizes) and report every section. No timing is asserted;
 * only outcomes that are behaviour: no VM left behind, no SSE event dropped.
 */
class BenchSmokeTest {
  @Test
  void everyBenchmarkRunsAndReports() throws Exception {
    BenchMain.main(new String[] {"--smoke"});

    Path report = Path.of("bench/target/report/BENCHMARKS-smoke.md");
    String text = Files.readString(report);
    assertThat(text)
        .contains("## 1. Evacuation makespan")
        .contains("## 2. Latency")
        .contains("| hypervisor event -> 16x2 panel render |")
        .contains("| button press -> 16x2 panel flashing |")
        .contains("## 3. Footprint")
        .contains("## 4. Planner scale")
        .contains("## 5. API under load")
        .contains("- VMs the planner left behind: 0")
        .contains("dropped by the server: 0")
        .contains("| vpanel agent (demo, 4 hosts) |")
        .contains(
            "| vpanel agent (Debian package: jlink, AppCDS; one host, libvirt, web panel, new journal) |")
        .contains("| libvirtd (session mode, no guests) |")
        .contains("| prometheus-node-exporter |");
    assertThat(Path.of("bench/target/report/bench/evacuation-by-mix.svg")).exists();
    assertThat(Path.of("bench/target/report/bench/planner-scale.svg")).exists();
  }
}
