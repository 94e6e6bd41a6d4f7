package io.vpanel.agent;

import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.web.ApiServer;
import io.vpanel.web.ListenAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A started agent: its engine, its API and everything to close on the way out. */
public final class RunningAgent implements AutoCloseable {
  private final ClusterEngine engine;
  private final ApiServer api;
  private final String token;
  private final String listenHost;
  private final List<AutoCloseable> resources;
  private final Optional<DemoJournal> demoJournal;

  RunningAgent(
      ClusterEngine engine,
      ApiServer api,
      String token,
      String listenHost,
      List<AutoCloseable> resources,
      Optional<DemoJournal> demoJournal) {
    this.engine = engine;
    this.api = api;
    this.token = token;
    this.listenHost = ListenAddress.unbracketed(listenHost);
    this.resources = new ArrayList<>(resources);
    this.demoJournal = demoJournal;
  }

  public ClusterEngine engine() {
    return engine;
  }

  /** The API server (its event hub, its web panels). */
  public ApiServer api() {
    return api;
  }

  /** The single API token, or null when the agent reads named tokens from a tokens file. */
  public String token() {
    return token;
  }

  public int port() {
    return api.port();
  }

  /** The demo's journal file; empty for an agent started from a configuration. */
  public Optional<Path> demoJournal() {
    return demoJournal.map(DemoJournal::path);
  }

  /** True when the demo's journal is a temporary file, deleted when the demo stops. */
  public boolean demoJournalIsTemporary() {
    return demoJournal.map(DemoJournal::temporary).orElse(false);
  }

  /** The base URL of the API and the web panels (an IPv6 address in brackets). */
  public String url() {
    String host = listenHost;
    if ("0.0.0.0".equals(host) || "::".equals(host)) {
      host = "127.0.0.1";
    }
    return api.scheme() + "://" + ListenAddress.authority(host, api.port());
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
