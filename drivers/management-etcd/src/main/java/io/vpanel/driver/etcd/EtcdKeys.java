package io.vpanel.driver.etcd;

import io.etcd.jetcd.ByteSequence;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The key layout of one cluster, all under {@code /vpanel/<cluster>/}. Host names are URL-encoded
 * in keys, so a name with a {@code /} cannot reach into another host's keys.
 *
 * <pre>
 * hosts/&lt;host&gt;                    JSON registration, on the agent's lease
 * maintenance/slots/&lt;i&gt;            maintenance slot i (0..max-1), JSON holder, no lease
 * maintenance/admissions           rewritten by every admission (a cluster-wide guard)
 * reservations/&lt;host&gt;/&lt;vm&gt;        room held on destination host for guest vm, agent's lease
 * guards/&lt;host&gt;                   revision guard of host: every admission of the host and every
 *                                  reservation on it rewrites it, so transactions that read the
 *                                  host's room compare it
 * election                         the leader election (jetcd Election) of cluster work
 * notices/&lt;host&gt;/&lt;id&gt;            a notice for host's panel, taken (deleted) by its agent
 * requests/&lt;host&gt;/&lt;id&gt;           a maintenance request for host, taken by its agent
 * leader/status                    written by the leader only (fenced on its election key)
 * </pre>
 */
final class EtcdKeys {
  private final String root;

  EtcdKeys(String cluster) {
    this.root = "/vpanel/" + cluster + "/";
  }

  String root() {
    return root;
  }

  String hosts() {
    return root + "hosts/";
  }

  String host(String name) {
    return hosts() + encode(name);
  }

  /** The host name of a key under {@link #hosts()}. */
  String hostOf(String key) {
    return decode(key.substring(hosts().length()));
  }

  String slots() {
    return root + "maintenance/slots/";
  }

  /** Rewritten by every admission, so admissions decided on the same view never both commit. */
  String admissions() {
    return root + "maintenance/admissions";
  }

  String slot(int index) {
    return slots() + index;
  }

  String reservationsOn(String destination) {
    return root + "reservations/" + encode(destination) + "/";
  }

  String reservation(String destination, String vm) {
    return reservationsOn(destination) + encode(vm);
  }

  /**
   * The claim on one guest: which reservation moves it now. One key per guest across every
   * destination, so a guest is never in flight to two hosts at once.
   */
  String guest(String vm) {
    return root + "guests/" + encode(vm);
  }

  String guard(String host) {
    return root + "guards/" + encode(host);
  }

  String notices(String host) {
    return root + "notices/" + encode(host) + "/";
  }

  String requests(String host) {
    return root + "requests/" + encode(host) + "/";
  }

  String election() {
    return root + "election";
  }

  String leaderStatus() {
    return root + "leader/status";
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  /** The end of the range of every key starting with {@code prefix}. */
  static ByteSequence prefixEnd(String prefix) {
    byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return ByteSequence.from(end);
  }

  static String text(ByteSequence bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  private static String decode(String key) {
    return URLDecoder.decode(key, StandardCharsets.UTF_8);
  }
}
