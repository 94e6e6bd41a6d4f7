package io.vpanel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP forwarder that a test can cut, to put one client on the far side of a network
 * partition while everything else still reaches the server.
 *
 * <p>While it forwards, every connection accepted on {@link #port()} is joined to the target.
 * {@link #cut()} drops the connections it carries and, until {@link #restore()}, accepts new ones
 * but never answers them (what a client sees of a partition: the connection is there and nothing
 * comes back, so it times out rather than being refused). {@link #restore()} drops the silent
 * connections so the client reconnects through the proxy to the target.
 */
public final class TcpProxy implements AutoCloseable {
  private static final int BUFFER = 16 * 1024;

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> silent = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();
  private volatile boolean cut;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target, ServerSocket server) {
    this.target = target;
    this.server = server;
    Thread.ofVirtual().name("tcp-proxy-" + server.getLocalPort()).start(this::acceptLoop);
  }

  /** A proxy on a free loopback port to {@code host:port}. */
  public static TcpProxy to(String host, int port) {
    try {
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      return new TcpProxy(new InetSocketAddress(host, port), server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on a loopback port for a proxy", e);
    }
  }

  /** A proxy to the host and port of {@code url} ({@code http://127.0.0.1:2379}). */
  public static TcpProxy toUrl(String url) {
    URI uri = URI.create(url);
    return to(uri.getHost(), uri.getPort());
  }

  /** The loopback port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code scheme://127.0.0.1:PORT}: the proxy's address in the form of the target's URL. */
  public String url(String scheme) {
    return scheme + "://127.0.0.1:" + port();
  }

  /** Connections accepted so far, forwarded or held silent. */
  public long accepted() {
    return accepted.get();
  }

  /** Drops every forwarded connection and holds new ones silent until {@link #restore()}. */
  public void cut() {
    cut = true;
    closeAll(open);
  }

  /** Forwards again: silent connections are dropped, so their clients connect anew. */
  public void restore() {
    cut = false;
    closeAll(silent);
  }

  public boolean isCut() {
    return cut;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing: nothing to tell
    }
    closeAll(open);
    closeAll(silent);
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      if (cut) {
        hold(client);
      } else {
        Thread.ofVirtual().start(() -> join(client));
      }
    }
  }

  /** Reads and discards what the client sends; answers nothing. */
  private void hold(Socket client) {
    silent.add(client);
    Thread.ofVirtual()
        .start(
            () -> {
              byte[] buffer = new byte[BUFFER];
              try (client;
                  InputStream in = client.getInputStream()) {
                while (in.read(buffer) >= 0) {
                  // swallowed: the partition answers nothing
                }
              } catch (IOException ignored) {
                // dropped by restore() or close()
              } finally {
                silent.remove(client);
              }
            });
  }

  private void join(Socket client) {
    Socket upstream = new Socket();
    try {
      upstream.connect(target, 5000);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    open.add(client);
    open.add(upstream);
    if (cut) { // cut while connecting
      closeAll(Set.of(client, upstream));
      return;
    }
    Thread.ofVirtual().start(() -> pump(client, upstream));
    pump(upstream, client);
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[BUFFER];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException ignored) {
      // one side went away: the pair ends
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      open.remove(from);
      open.remove(to);
    }
  }

  private static void closeAll(Set<Socket> sockets) {
    for (Socket socket : Set.copyOf(sockets)) {
      closeQuietly(socket);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
