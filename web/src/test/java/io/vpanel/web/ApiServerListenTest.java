package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.core.RealTimeScheduler;
import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.engine.EngineSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiServerListenTest {
  @Test
  void aPortInUseIsRefusedWithTheAddressAndAHint() throws Exception {
    try (RealTimeScheduler scheduler = new RealTimeScheduler();
        ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ClusterEngine engine =
          new ClusterEngine(scheduler, Runnable::run, EngineSettings.defaults(), null, List.of());
      ApiServer api = new ApiServer("listen-test-token-0123");

      assertThatThrownBy(() -> api.start(engine, "127.0.0.1", taken.getLocalPort()))
          .isInstanceOf(ApiServer.ListenException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("pick another port");
      engine.close();
    }
  }
}
