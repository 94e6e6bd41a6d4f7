package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.plan.LinkModel;
import io.vpanel.core.plan.Move;
import io.vpanel.core.plan.Plan;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class JsonViewsTest {
  private static VmInfo vm(String name) {
    return new VmInfo("u-" + name, name, VmState.RUNNING, 1L << 30, 2, 0, VmPolicy.MIGRATE);
  }

  @Test
  void aPlanShowsItsLinkAndTheThrottledShareOfEachGuestItLearned() {
    LinkModel link =
        new LinkModel(
            48_000_000,
            48_000_000,
            0.4,
            true,
            0.5,
            0.01,
            0.7,
            Map.of(1, 0.85, 2, 0.88),
            0.3,
            Map.of("u-memtest", Map.of(2, 0.874)));
    Plan plan =
        new Plan(
            "a",
            true,
            "GO: 2 VMs -> 1 host",
            List.of(new Move(vm("memtest"), "b"), new Move(vm("idle"), "b")),
            List.of(),
            List.of(),
            2,
            2L << 30,
            60.0,
            Optional.of(link));

    JsonNode json = new JsonViews(JsonMapper.builder().build()).plan(plan);

    assertThat(json.at("/link/throttledShare").asDouble()).isEqualTo(0.7);
    assertThat(json.at("/link/throttledShareByInFlight/2").asDouble()).isEqualTo(0.88);
    assertThat(json.at("/moves/0/vm").asString()).isEqualTo("memtest");
    assertThat(json.at("/moves/0/throttledShare").asDouble()).isEqualTo(0.87);
    assertThat(json.at("/moves/1").has("throttledShare")).as("nothing learned of it").isFalse();
  }
}
