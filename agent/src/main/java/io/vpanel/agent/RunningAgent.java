package io.vpanel.agent;

import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.web.ApiServer;
import java.util.ArrayList;
import java.util.List;

/** A started agent: its engine, its API and everything to close on the way out. */
public final class RunningAgent implements AutoCloseable {
  private final ClusterEngine engine;
  private final ApiServer api;
  private final String token;
  private final String listenHost;
  private final List<AutoCloseable> resources;

  RunningAgent(
      ClusterEngine engine,
      ApiServer api,
      String token,
      String listenHost,
      List<AutoCloseable> resources) {
    this.engine = engine;
    this.api = api;
    this.token = token;
    this.listenHost = listenHost;
    this.resources = new ArrayList<>(resources);
  }

  public ClusterEngine engine() {
    return engine;
  }

  public String token() {
    return token;
  }

  public int port() {
    return api.port();
  }

  /** The base URL of the API and the web panels. */
  public String url() {
    String host = listenHost.contains(":") ? "[" + listenHost + "]" : listenHost;
    if ("0.0.0.0".equals(listenHost) || "::".equals(listenHost)) {
      host = "127.0.0.1";
    }
    return "http://" + host + ":" + api.port();
  }

  @Override
  public void close() {
    api.close();
    engine.close();
    for (AutoCloseable resource : resources.reversed()) {
      try {
        resource.close();
      } catch (Exception e) {
        // Closing on the way out: nothing useful to do with a failure here.
      }
    }
  }
}
