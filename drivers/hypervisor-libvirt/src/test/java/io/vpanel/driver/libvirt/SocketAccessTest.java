package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explanation added to libvirt's "Permission denied" on its socket. The refusal by a real
 * system daemon to a user without the group is in e2e's SystemLibvirtTest.
 */
class SocketAccessTest {
  private static final String REFUSED =
      "Failed to connect socket to '/run/libvirt/libvirt-sock': Permission denied";

  @Test
  void findsTheSocketOnlyInARefusal() {
    assertThat(SocketAccess.socketPath(REFUSED)).contains(Path.of("/run/libvirt/libvirt-sock"));
    assertThat(
            SocketAccess.socketPath(
                "Failed to connect socket to '/run/libvirt/libvirt-sock': No such file or"
                    + " directory"))
        .isEmpty();
    assertThat(SocketAccess.socketPath("authentication failed: Permission denied")).isEmpty();
    assertThat(SocketAccess.socketPath(null)).isEmpty();
  }

  @Test
  void namesTheSocketItsGroupAndTheUserLackingIt() {
    Path path = Path.of("/run/libvirt/libvirt-sock");
    String why =
        SocketAccess.explain(
            path,
            Optional.of(new SocketAccess.Socket(path, "root", "libvirt", "rwxrwx---")),
            new SocketAccess.Identity("vpanel", Set.of("vpanel")));
    assertThat(why)
        .contains(
            "/run/libvirt/libvirt-sock",
            "root:libvirt rwxrwx---",
            "user vpanel is not in group libvirt",
            "adduser vpanel libvirt",
            "SupplementaryGroups=libvirt");
  }

  @Test
  void aMemberRefusedIsToldAboutTheSocketsMode() {
    Path path = Path.of("/run/libvirt/libvirt-sock");
    String why =
        SocketAccess.explain(
            path,
            Optional.of(new SocketAccess.Socket(path, "root", "libvirt", "rwx------")),
            new SocketAccess.Identity("vpanel", Set.of("vpanel", "libvirt")));
    assertThat(why).contains("is in group libvirt", "unix_sock_rw_perms");
  }

  @Test
  void anUnreachableSocketIsSaidToBeBehindADirectory() {
    String why =
        SocketAccess.explain(
            Path.of("/srv/x/sock"),
            Optional.empty(),
            new SocketAccess.Identity("vpanel", Set.of("vpanel")));
    assertThat(why).contains("cannot reach the socket /srv/x/sock", "not searchable");
  }

  @Test
  void readsARealSocketAndThisProcesssGroups(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      SocketAccess.Socket socket = SocketAccess.stat(path).orElseThrow();
      assertThat(socket.owner()).isEqualTo(System.getProperty("user.name"));
      assertThat(SocketAccess.identity().groups()).contains(socket.group());
    }
  }
}
