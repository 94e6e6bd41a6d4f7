package io.vpanel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Section 7 (evacuation on real libvirtd + QEMU) still runs end to end: one short evacuation by the
 * planner of one idle and one memtest86+ guest over a capped veth, before and after the engine
 * learned from the first. No timing is asserted; only that every figure is reported, the second
 * plan used a learned link, and every guest is accounted for (on b, none left on a).
 */
class LibvirtEvacuationSmokeTest {
  @Test
  void theLibvirtSectionAccountsForEveryGuest() throws Exception {
    Path report = Path.of("bench/target/report/BENCHMARKS-smoke.md");
    BenchMain.main(new String[] {"--smoke", "--libvirt"});

    String text = Files.readString(report);
    assertThat(text).contains(LibvirtEvacuationBench.SECTION);
    String section = text.substring(text.indexOf(LibvirtEvacuationBench.SECTION));
    int next = section.indexOf("\n## ", 1);
    if (next > 0) {
      section = section.substring(0, next);
    }
    assertThat(section)
        .contains("Machine load (1/5/15 min) before:")
        .contains("- planner / lower bound:")
        .contains("- planner / best fixed concurrency")
        .contains("- predicted / measured, before learning (the driver's declared link): geometric")
        .contains("- predicted / measured, after learning (the engine's learned link): geometric")
        .contains("- concurrency the planner chose: declared ")
        .contains(", learned ")
        .contains("- the simulator's prediction for this bed")
        .contains("- guests left on the source: 0")
        .contains("| configuration | runs | makespan s mean")
        .contains("| planner | 2 |")
        .containsPattern("\\| #1 \\| no \\|")
        .containsPattern("\\| #2 \\| yes \\|")
        .containsPattern("\\| planner #1 \\| \\d+ \\| IN_MAINTENANCE \\|")
        .containsPattern("\\| planner #2 \\| \\d+ \\| IN_MAINTENANCE \\|")
        .contains(
            "| "
                + LibvirtEvacuationBench.guests(true).size()
                + " of "
                + LibvirtEvacuationBench.guests(true).size()
                + " |")
        .contains("![real QEMU makespan per configuration](bench/libvirt-makespan.svg)")
        .contains(
            "![predicted and measured makespan per planner run](bench/libvirt-prediction.svg)");
    assertThat(Path.of("bench/target/report/bench/libvirt-prediction.svg"))
        .content()
        .contains("predicted s")
        .contains("measured s");
    for (String guest :
        LibvirtEvacuationBench.guests(true).stream()
            .map(LibvirtEvacuationBench.GuestSpec::name)
            .toList()) {
      assertThat(section).as(guest + " in the per-guest columns").contains(guest + " ");
    }
  }
}
