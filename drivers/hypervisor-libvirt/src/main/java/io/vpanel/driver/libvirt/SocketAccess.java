package io.vpanel.driver.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says why libvirt refused a connection to its unix socket with "Permission denied" (EACCES): who
 * owns the socket, which group may use it, and that this process's user is not in that group. On a
 * system daemon the socket's group (Debian: {@code unix_sock_group = "libvirt"}, {@code
 * unix_sock_rw_perms = "0770"}) is what lets an unprivileged agent in.
 */
final class SocketAccess {
  private static final Pattern SOCKET = Pattern.compile("socket to '([^']{1,4096})'");
  private static final Path PROC_STATUS = Path.of("/proc/self/status");
  private static final Path GROUPS = Path.of("/etc/group");

  /** What the process runs as: its user name and the names of all its groups. */
  record Identity(String user, Set<String> groups) {}

  /** The socket as found on disk. */
  record Socket(Path path, String owner, String group, String mode) {}

  private SocketAccess() {}

  /**
   * An explanation to append to libvirt's message, or empty when the message is not a refused
   * socket connection.
   */
  static Optional<String> explain(String libvirtMessage) {
    Optional<Path> path = socketPath(libvirtMessage);
    if (path.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(explain(path.get(), stat(path.get()), identity()));
  }

  /** The socket's path when libvirt's message is a refused connection to a unix socket. */
  static Optional<Path> socketPath(String libvirtMessage) {
    if (libvirtMessage == null || !libvirtMessage.contains("Permission denied")) {
      return Optional.empty();
    }
    Matcher m = SOCKET.matcher(libvirtMessage);
    return m.find() ? Optional.of(Path.of(m.group(1))) : Optional.empty();
  }

  /**
   * @param socket the socket's attributes, or empty when they cannot be read (a directory on the
   *     way is not searchable for this user)
   */
  static String explain(Path path, Optional<Socket> socket, Identity me) {
    if (socket.isEmpty()) {
      return "user "
          + me.user()
          + " cannot reach the socket "
          + path
          + ": a directory on its path is not searchable for it (groups "
          + String.join(",", me.groups())
          + ")";
    }
    Socket s = socket.get();
    String where = "the socket " + path + " is " + s.owner() + ":" + s.group() + " " + s.mode();
    if (!me.groups().contains(s.group())) {
      return where
          + ", and user "
          + me.user()
          + " is not in group "
          + s.group()
          + " (its groups: "
          + String.join(",", me.groups())
          + "): add it (adduser "
          + me.user()
          + " "
          + s.group()
          + "; the unit's SupplementaryGroups="
          + s.group()
          + ") or grant it with polkit (auth_unix_rw = \"polkit\" and"
          + " /usr/share/polkit-1/rules.d/50-vpanel-libvirt.rules)";
    }
    return where
        + ", user "
        + me.user()
        + " is in group "
        + s.group()
        + ", but the group may not write it: the daemon's unix_sock_rw_perms must give the group"
        + " rw (0770)";
  }

  static Optional<Socket> stat(Path path) {
    try {
      PosixFileAttributes a =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return Optional.of(
          new Socket(
              path,
              a.owner().getName(),
              a.group().getName(),
              PosixFilePermissions.toString(a.permissions())));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.empty();
    }
  }

  /** This process's user and groups (real and supplementary, from /proc/self/status). */
  static Identity identity() {
    Set<String> names = new LinkedHashSet<>();
    try {
      List<String> groupLines = Files.readAllLines(GROUPS);
      for (String line : Files.readAllLines(PROC_STATUS)) {
        if (line.startsWith("Gid:") || line.startsWith("Groups:")) {
          String[] ids = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
          // Gid: real, effective, saved, filesystem; the effective one decides.
          List<String> wanted =
              line.startsWith("Gid:") && ids.length > 1 ? List.of(ids[1]) : List.of(ids);
          for (String id : wanted) {
            if (!id.isEmpty()) {
              names.add(groupName(groupLines, id));
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // the explanation goes without the groups
    }
    return new Identity(System.getProperty("user.name", "?"), names);
  }

  private static String groupName(List<String> groupLines, String gid) {
    for (String line : groupLines) {
      String[] f = line.split(":", -1);
      if (f.length > 2 && f[2].equals(gid)) {
        return f[0];
      }
    }
    return gid;
  }
}
