package io.vpanel.driver.etcd;

import io.etcd.jetcd.Client;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the etcd clients of many agents in one JVM share: one Vert.x (its event loops carry every
 * client's gRPC channel and jetcd's lease timers) and one executor for jetcd's callbacks. Without
 * it every client starts a Vert.x and a thread pool of its own, which is right for the one agent of
 * a process but costs a thousand thread pools in a simulation of a thousand hosts (the benchmark,
 * {@code vpanel-bench}'s {@code EtcdScaleBench}).
 *
 * <p>Each agent still builds a {@link Client} of its own, with its own connections to every member,
 * so etcd serves as many clients as there are agents, as in a real cluster. Give the pool to {@link
 * EtcdManagement} through its {@code DriverContext} ({@code context.with(EtcdClientPool.class,
 * pool)}). jetcd's {@code Client.close()} closes the Vert.x it was given, so an agent that closes
 * here only ends its streams (watches, keep-alives, observes) and stops using its client; the
 * clients' connections close with the pool, which must outlive its agents.
 */
public final class EtcdClientPool implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setUseDaemonThread(true));
  private final ExecutorService callbacks = Executors.newVirtualThreadPerTaskExecutor();
  private final Set<Client> clients = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** A client for {@code settings} on the shared Vert.x and executor. */
  Client create(EtcdSettings settings) {
    if (closed) {
      throw new IllegalStateException("etcd client pool closed");
    }
    Client client = EtcdClients.builder(settings).vertx(vertx).executorService(callbacks).build();
    clients.add(client);
    return client;
  }

  /** The agent of {@code client} stopped: ends its streams; the connections go with the pool. */
  void release(Client client) {
    client.getWatchClient().close();
    client.getLeaseClient().close();
    client.getElectionClient().close();
  }

  /** Clients built here and not closed yet. */
  public int size() {
    return clients.size();
  }

  @Override
  public void close() {
    closed = true;
    for (Client client : clients) {
      client.close(); // the first closes the shared Vert.x too: all of them go now
    }
    clients.clear();
    vertx.close();
    callbacks.shutdownNow();
  }
}
