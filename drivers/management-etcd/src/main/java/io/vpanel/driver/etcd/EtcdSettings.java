package io.vpanel.driver.etcd;

import static io.vpanel.spi.SettingsChecks.between;

import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.management.DrsMode;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the etcd management backend ({@code management: {driver: etcd, ...}}).
 *
 * @param endpoints etcd's client URLs, {@code http://host:port} or {@code https://host:port}, at
 *     least one (default {@code http://127.0.0.1:2379})
 * @param cluster the cluster's name: every key lives under {@code /vpanel/<cluster>/} (default
 *     {@code default}); letters, digits, {@code . _ -}
 * @param leaseTtlSeconds the registration lease's time to live: a host whose agent is silent this
 *     long vanishes from the others' view and its reservations are freed (default 10)
 * @param electionTtlSeconds the leader's own lease: a new leader is chosen about this long after
 *     the old one dies (default 2)
 * @param maxHostsInMaintenance how many hosts of the cluster may be entering, in or failed in
 *     maintenance at once (default 1); every agent of the cluster must use the same number
 * @param requestTimeoutMillis the deadline of every single etcd request (default 2000)
 * @param releaseGraceMillis how long a reservation outlives the end of its move at most, until the
 *     destination published a newer report counting the guest (default 5000)
 * @param caFile PEM certificates etcd's server certificate must chain to (TLS; needs https
 *     endpoints); empty: plain HTTP
 * @param certFile this agent's client certificate (PEM) for mutual TLS, with {@code keyFile}
 * @param keyFile the client certificate's private key (PKCS#8 PEM), mode 600
 * @param user an etcd user (role-based access control), with {@code passwordFile}
 * @param passwordFile a file holding that user's password on its first line, mode 600
 * @param apiAddress where this agent's API answers, published for the other agents and tools (for
 *     example {@code https://10.0.0.9:8443}); empty: not published
 * @param hypervisorUri how the other agents reach this host's hypervisor; empty: the agent's own
 *     {@code hypervisor.migrationUri}
 * @param migrationUri where the other hosts send guests to this host; empty: the agent's own {@code
 *     hypervisor.migrationUri}
 * @param drs the load-balancing mode shown on the panel (default {@code AUTOMATIC})
 * @param ha whether HA status is computed and shown (default true)
 * @param haReserve whether admission keeps the HA reserve: refused when, once the host's guests
 *     have left, the other hosts could no longer take the busiest host's guests (default false)
 * @param whenUnreachable what a request for maintenance does while etcd cannot be reached: {@code
 *     wait} (the default) queues it until the link is back; {@code local} admits it at once against
 *     the peers this agent last saw, and takes the slot in etcd when the link returns (two hosts
 *     may then be in maintenance where one was allowed: the risk is the operator's)
 * @param leaderCandidate whether this agent stands for leader of cluster work (default true); in a
 *     large cluster a few candidates are enough, and every candidate keeps a short lease of its own
 *     alive (a keep-alive about every second)
 */
public record EtcdSettings(
    List<String> endpoints,
    String cluster,
    int leaseTtlSeconds,
    int electionTtlSeconds,
    int maxHostsInMaintenance,
    int requestTimeoutMillis,
    int releaseGraceMillis,
    String caFile,
    String certFile,
    String keyFile,
    String user,
    String passwordFile,
    String apiAddress,
    String hypervisorUri,
    String migrationUri,
    DrsMode drs,
    Boolean ha,
    Boolean haReserve,
    String whenUnreachable,
    Boolean leaderCandidate)
    implements DriverSettings {

  public EtcdSettings {
    if (endpoints == null || endpoints.isEmpty()) {
      throw new IllegalArgumentException(
          "endpoints must list etcd's client URLs, for example [http://10.0.0.1:2379]");
    }
    endpoints = List.copyOf(endpoints);
    caFile = orEmpty(caFile);
    certFile = orEmpty(certFile);
    keyFile = orEmpty(keyFile);
    boolean tls = !caFile.isEmpty();
    for (String endpoint : endpoints) {
      endpoint(endpoint, tls);
    }
    cluster = cluster == null || cluster.isBlank() ? "default" : cluster;
    if (!cluster.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "cluster must be 1 to 64 letters, digits, '.', '_' or '-', was '" + cluster + "'");
    }
    between("leaseTtlSeconds", leaseTtlSeconds, 2, 300);
    between("electionTtlSeconds", electionTtlSeconds, 1, 60);
    between("maxHostsInMaintenance", maxHostsInMaintenance, 1, 1000);
    between("requestTimeoutMillis", requestTimeoutMillis, 100, 60_000);
    between("releaseGraceMillis", releaseGraceMillis, 0, 600_000);
    if (certFile.isEmpty() != keyFile.isEmpty()) {
      throw new IllegalArgumentException("certFile and keyFile go together");
    }
    if (!certFile.isEmpty() && !tls) {
      throw new IllegalArgumentException(
          "certFile needs caFile (a client certificate is sent over TLS only)");
    }
    user = orEmpty(user);
    passwordFile = orEmpty(passwordFile);
    if (user.isEmpty() != passwordFile.isEmpty()) {
      throw new IllegalArgumentException("user and passwordFile go together");
    }
    apiAddress = orEmpty(apiAddress);
    hypervisorUri = orEmpty(hypervisorUri);
    migrationUri = orEmpty(migrationUri);
    drs = drs == null ? DrsMode.AUTOMATIC : drs;
    ha = ha == null ? Boolean.TRUE : ha;
    haReserve = haReserve == null ? Boolean.FALSE : haReserve;
    whenUnreachable =
        whenUnreachable == null || whenUnreachable.isBlank() ? "wait" : whenUnreachable;
    if (!whenUnreachable.equals("wait") && !whenUnreachable.equals("local")) {
      throw new IllegalArgumentException(
          "whenUnreachable must be wait or local, was '" + whenUnreachable + "'");
    }
    leaderCandidate = leaderCandidate == null ? Boolean.TRUE : leaderCandidate;
  }

  /** True when a request is admitted locally while etcd cannot be reached. */
  boolean admitsLocally() {
    return whenUnreachable.equals("local");
  }

  /** The defaults: one etcd on this machine's standard port. */
  public static EtcdSettings defaults() {
    return new EtcdSettings(
        List.of("http://127.0.0.1:2379"),
        "default",
        10,
        2,
        1,
        2000,
        5000,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        DrsMode.AUTOMATIC,
        true,
        false,
        "wait",
        true);
  }

  /** These settings against other endpoints and cluster. */
  public EtcdSettings withCluster(List<String> newEndpoints, String newCluster) {
    return new EtcdSettings(
        newEndpoints,
        newCluster,
        leaseTtlSeconds,
        electionTtlSeconds,
        maxHostsInMaintenance,
        requestTimeoutMillis,
        releaseGraceMillis,
        caFile,
        certFile,
        keyFile,
        user,
        passwordFile,
        apiAddress,
        hypervisorUri,
        migrationUri,
        drs,
        ha,
        haReserve,
        whenUnreachable,
        leaderCandidate);
  }

  /** These settings with other times and another maintenance limit. */
  public EtcdSettings withTimes(
      int newLeaseTtlSeconds,
      int newElectionTtlSeconds,
      int newMaxHostsInMaintenance,
      int newReleaseGraceMillis) {
    return new EtcdSettings(
        endpoints,
        cluster,
        newLeaseTtlSeconds,
        newElectionTtlSeconds,
        newMaxHostsInMaintenance,
        requestTimeoutMillis,
        newReleaseGraceMillis,
        caFile,
        certFile,
        keyFile,
        user,
        passwordFile,
        apiAddress,
        hypervisorUri,
        migrationUri,
        drs,
        ha,
        haReserve,
        whenUnreachable,
        leaderCandidate);
  }

  /** These settings with TLS files and credentials. */
  public EtcdSettings withSecurity(
      String newCaFile,
      String newCertFile,
      String newKeyFile,
      String newUser,
      String newPasswordFile) {
    return new EtcdSettings(
        endpoints,
        cluster,
        leaseTtlSeconds,
        electionTtlSeconds,
        maxHostsInMaintenance,
        requestTimeoutMillis,
        releaseGraceMillis,
        newCaFile,
        newCertFile,
        newKeyFile,
        newUser,
        newPasswordFile,
        apiAddress,
        hypervisorUri,
        migrationUri,
        drs,
        ha,
        haReserve,
        whenUnreachable,
        leaderCandidate);
  }

  /** These settings publishing other addresses for this host. */
  public EtcdSettings withAddresses(
      String newApiAddress, String newHypervisorUri, String newMigrationUri) {
    return new EtcdSettings(
        endpoints,
        cluster,
        leaseTtlSeconds,
        electionTtlSeconds,
        maxHostsInMaintenance,
        requestTimeoutMillis,
        releaseGraceMillis,
        caFile,
        certFile,
        keyFile,
        user,
        passwordFile,
        newApiAddress,
        newHypervisorUri,
        newMigrationUri,
        drs,
        ha,
        haReserve,
        whenUnreachable,
        leaderCandidate);
  }

  /** These settings with another answer to an unreachable etcd ({@code wait} or {@code local}). */
  public EtcdSettings whenUnreachable(String answer) {
    return new EtcdSettings(
        endpoints,
        cluster,
        leaseTtlSeconds,
        electionTtlSeconds,
        maxHostsInMaintenance,
        requestTimeoutMillis,
        releaseGraceMillis,
        caFile,
        certFile,
        keyFile,
        user,
        passwordFile,
        apiAddress,
        hypervisorUri,
        migrationUri,
        drs,
        ha,
        haReserve,
        answer,
        leaderCandidate);
  }

  /** These settings with the HA reserve kept or not. */
  public EtcdSettings withHaReserve(boolean keep) {
    return new EtcdSettings(
        endpoints,
        cluster,
        leaseTtlSeconds,
        electionTtlSeconds,
        maxHostsInMaintenance,
        requestTimeoutMillis,
        releaseGraceMillis,
        caFile,
        certFile,
        keyFile,
        user,
        passwordFile,
        apiAddress,
        hypervisorUri,
        migrationUri,
        drs,
        ha,
        keep,
        whenUnreachable,
        leaderCandidate);
  }

  /** These settings standing for leader of cluster work or not. */
  public EtcdSettings asCandidate(boolean stands) {
    return new EtcdSettings(
        endpoints,
        cluster,
        leaseTtlSeconds,
        electionTtlSeconds,
        maxHostsInMaintenance,
        requestTimeoutMillis,
        releaseGraceMillis,
        caFile,
        certFile,
        keyFile,
        user,
        passwordFile,
        apiAddress,
        hypervisorUri,
        migrationUri,
        drs,
        ha,
        haReserve,
        whenUnreachable,
        stands);
  }

  Duration requestTimeout() {
    return Duration.ofMillis(requestTimeoutMillis);
  }

  Duration leaseTtl() {
    return Duration.ofSeconds(leaseTtlSeconds);
  }

  private static void endpoint(String endpoint, boolean tls) {
    URI parsed;
    try {
      parsed = URI.create(endpoint == null ? "" : endpoint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "endpoints: each must be http://host:port or https://host:port, was " + endpoint);
    }
    String scheme = parsed.getScheme();
    if (!("http".equals(scheme) || "https".equals(scheme))
        || parsed.getHost() == null
        || parsed.getPort() < 1
        || !(parsed.getPath() == null || parsed.getPath().isEmpty() || "/".equals(parsed.getPath()))
        || parsed.getQuery() != null) {
      throw new IllegalArgumentException(
          "endpoints: each must be http://host:port or https://host:port, was " + endpoint);
    }
    if (tls != "https".equals(scheme)) {
      throw new IllegalArgumentException(
          tls
              ? "endpoints: with caFile every endpoint must be https://, was " + endpoint
              : "endpoints: " + endpoint + " is https:// but no caFile is given");
    }
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value.trim();
  }
}
