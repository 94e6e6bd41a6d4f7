package io.vpanel.driver.lcdproc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted stand-in for LCDd: a server socket on a free port whose every accepted connection runs
 * a script, with the commands received recorded per connection. For the misbehaviour no real LCDd
 * shows on demand: malformed and overlong lines, half lines, silence, closing mid-conversation.
 */
final class FakeLcdd implements AutoCloseable {
  /** What one connection does; {@code n} counts connections from 1. */
  interface Script {
    void run(Peer peer, int n) throws IOException;
  }

  /** One accepted connection. */
  static final class Peer {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    final List<String> received = new CopyOnWriteArrayList<>();

    Peer(Socket socket) throws IOException {
      this.socket = socket;
      this.in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      this.out = socket.getOutputStream();
    }

    /** The next command the driver sent, or null at its end. */
    String read() throws IOException {
      String line = in.readLine();
      if (line != null) {
        received.add(line);
      }
      return line;
    }

    /** Reads until the driver sent {@code command} (and returns it), or its end (null). */
    String readUntil(String prefix) throws IOException {
      String line;
      while ((line = read()) != null && !line.startsWith(prefix)) {
        // keep reading
      }
      return line;
    }

    /** Sends raw text, exactly as given (no newline added). */
    void sendRaw(String text) throws IOException {
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    void send(String line) throws IOException {
      sendRaw(line + "\n");
    }

    /** Answers {@code hello} as LCDd 0.5.9 does, with this size. */
    void handshake(int width, int height) throws IOException {
      readUntil("hello");
      send(
          "connect LCDproc 0.5.9 protocol 0.3 lcd wid "
              + width
              + " hgt "
              + height
              + " cellwid 5 cellhgt 8");
    }

    /** Reads and records everything until the driver goes away. */
    void drain() throws IOException {
      while (read() != null) {
        // recorded
      }
    }

    void close() throws IOException {
      socket.close();
    }
  }

  private final ServerSocket server;
  private final Script script;
  final List<Peer> peers = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();

  FakeLcdd(Script script) throws IOException {
    this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    this.script = script;
    Thread.ofVirtual().name("fake-lcdd").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Every command received on connection {@code n} (from 1) so far. */
  List<String> received(int n) {
    return peers.size() < n ? List.of() : List.copyOf(peers.get(n - 1).received);
  }

  int connections() {
    return accepted.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Peer peer = new Peer(socket);
        peers.add(peer);
        int n = accepted.incrementAndGet();
        Thread.ofVirtual()
            .name("fake-lcdd #" + n)
            .start(
                () -> {
                  try (socket) {
                    script.run(peer, n);
                  } catch (IOException e) {
                    // the driver went away
                  }
                });
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Peer peer : peers) {
      peer.close();
    }
  }
}
