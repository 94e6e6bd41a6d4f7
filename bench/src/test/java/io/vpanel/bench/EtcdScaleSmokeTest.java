package io.vpanel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.testkit.EtcdCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Section 6 (etcd scale) still runs end to end at tiny sizes (5 then 20 agents) and reports every
 * figure. No timing is asserted; only what is behaviour: every agent registered (the run fails
 * otherwise) and never more maintenance slots held than there are.
 */
class EtcdScaleSmokeTest {
  @Test
  void theEtcdSectionReportsEveryFigure() throws Exception {
    EtcdCluster.assumeInstalled();
    Path report = Path.of("bench/target/report/BENCHMARKS-smoke.md");
    BenchMain.main(new String[] {"--smoke", "--etcd"});

    String text = Files.readString(report);
    assertThat(text).contains(EtcdScaleBench.SECTION);
    String section = text.substring(text.indexOf(EtcdScaleBench.SECTION));
    for (String row : EtcdScaleBench.ROWS) {
      assertThat(section).as(row).contains(row);
    }
    assertThat(section).contains("| 5 agents (baseline) | 20 agents |");
    assertThat(section)
        .doesNotContainPattern(
            "\\| most slots held at once \\(of 10\\) \\| \\d+ \\| (1[1-9]|[2-9]\\d)");
  }
}
