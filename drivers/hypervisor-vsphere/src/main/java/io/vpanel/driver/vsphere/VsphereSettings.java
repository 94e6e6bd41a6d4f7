package io.vpanel.driver.vsphere;

import static io.vpanel.spi.SettingsChecks.between;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.hypervisor.VmPolicy;
import java.net.URI;
import java.util.Locale;

/**
 * Settings of the vSphere driver ({@code hypervisor: {driver: vsphere, ...}}) and of the vCenter
 * management backend ({@code management: {driver: vcenter, ...}}), which share the connection keys.
 * A host's {@code uri} is its HostSystem name in vCenter (empty: the vpanel host name).
 *
 * @param url the vCenter (or ESXi host agent) SDK URL, {@code https://vcenter.example/sdk}
 * @param user the account the agent logs in as (for example {@code vpanel@vsphere.local})
 * @param passwordFile a file holding its password on the first line, mode 600
 * @param caFile PEM certificates the server's certificate must chain to; empty: the JDK's trust
 *     store. There is no switch to skip verification.
 * @param apiVersion the vim25 version sent as SOAPAction ({@code urn:vim25/6.5})
 * @param cluster the ClusterComputeResource whose hosts are discovered and whose DRS and HA lights
 *     are shown; empty: every host the account sees
 * @param policyField the custom attribute (and the {@code key=value} line in a guest's annotation)
 *     that declares a guest's maintenance policy
 * @param defaultPolicy the policy of a guest that declares none
 * @param nicGbps the vMotion network's speed of each host in gigabits/s, for the planner
 * @param streamGbps what one vMotion reaches on its own, in gigabits/s
 * @param hostReserveMiB memory kept for the hypervisor: capacity = host memory minus this
 * @param vcpuOvercommit vCPUs the planner may hand out per host CPU thread
 * @param connectTimeoutSeconds TCP and TLS connect timeout
 * @param requestTimeoutSeconds the longest one SOAP call may take (WaitForUpdatesEx waits less)
 * @param waitSeconds how long one WaitForUpdatesEx waits for a change before asking again
 * @param maxReplyMiB the largest reply read; a bigger one is refused
 * @param reconnectMaxSeconds the longest wait between two attempts to restore the change stream
 * @param migrationPriority {@code defaultPriority}, {@code highPriority} or {@code lowPriority}
 * @param shutdownTimeoutSeconds how long a guest OS may take to shut down (VMware Tools)
 * @param forceOffAfterShutdownTimeout power the guest off when it has no VMware Tools or ignored
 *     the shutdown request (else the shutdown fails and the guest keeps running)
 * @param planner management backend only: {@code vpanel} (vpanel moves the guests, then sets
 *     maintenance mode) or {@code vcenter} (EnterMaintenanceMode_Task, DRS evacuates)
 * @param maintenanceTimeoutSeconds management backend only: the timeout given to
 *     EnterMaintenanceMode_Task (0: none)
 */
public record VsphereSettings(
    String url,
    String user,
    String passwordFile,
    String caFile,
    String apiVersion,
    String cluster,
    String policyField,
    VmPolicy defaultPolicy,
    double nicGbps,
    double streamGbps,
    long hostReserveMiB,
    double vcpuOvercommit,
    int connectTimeoutSeconds,
    int requestTimeoutSeconds,
    int waitSeconds,
    int maxReplyMiB,
    int reconnectMaxSeconds,
    String migrationPriority,
    int shutdownTimeoutSeconds,
    boolean forceOffAfterShutdownTimeout,
    String planner,
    int maintenanceTimeoutSeconds)
    implements DriverSettings {

  public static final String DEFAULT_POLICY_FIELD = "vpanel.policy";

  public VsphereSettings {
    url = url == null ? "" : url.strip();
    user = user == null ? "" : user.strip();
    passwordFile = passwordFile == null ? "" : passwordFile.strip();
    caFile = caFile == null ? "" : caFile.strip();
    apiVersion = apiVersion == null || apiVersion.isBlank() ? "6.5" : apiVersion.strip();
    if (!apiVersion.matches("[0-9]{1,2}(\\.[0-9]{1,2}){1,3}")) {
      throw new IllegalArgumentException(
          "apiVersion must look like 6.5 or 7.0.3, was " + apiVersion);
    }
    cluster = cluster == null ? "" : cluster.strip();
    policyField =
        policyField == null || policyField.isBlank() ? DEFAULT_POLICY_FIELD : policyField.strip();
    if (policyField.length() > 80) {
      throw new IllegalArgumentException("policyField is at most 80 characters");
    }
    if (defaultPolicy == null) {
      throw new IllegalArgumentException(
          "defaultPolicy must be migrate, shutdown, suspend or block");
    }
    gbps("nicGbps", nicGbps);
    gbps("streamGbps", streamGbps);
    between("hostReserveMiB", hostReserveMiB, 0, 1L << 30);
    if (!(vcpuOvercommit > 0 && vcpuOvercommit <= 64)) {
      throw new IllegalArgumentException(
          "vcpuOvercommit must be more than 0 and at most 64, was " + vcpuOvercommit);
    }
    between("connectTimeoutSeconds", connectTimeoutSeconds, 1, 300);
    between("requestTimeoutSeconds", requestTimeoutSeconds, 5, 3600);
    between("waitSeconds", waitSeconds, 1, 600);
    if (waitSeconds + 5 > requestTimeoutSeconds) {
      throw new IllegalArgumentException(
          "waitSeconds ("
              + waitSeconds
              + ") must be at least 5 less than requestTimeoutSeconds ("
              + requestTimeoutSeconds
              + ")");
    }
    between("maxReplyMiB", maxReplyMiB, 1, 1024);
    between("reconnectMaxSeconds", reconnectMaxSeconds, 1, 3600);
    migrationPriority =
        migrationPriority == null || migrationPriority.isBlank()
            ? "defaultPriority"
            : migrationPriority.strip();
    if (!java.util.List.of("defaultPriority", "highPriority", "lowPriority")
        .contains(migrationPriority)) {
      throw new IllegalArgumentException(
          "migrationPriority must be defaultPriority, highPriority or lowPriority, was "
              + migrationPriority);
    }
    between("shutdownTimeoutSeconds", shutdownTimeoutSeconds, 1, 3600);
    planner =
        planner == null || planner.isBlank() ? "vpanel" : planner.strip().toLowerCase(Locale.ROOT);
    if (!planner.equals("vpanel") && !planner.equals("vcenter")) {
      throw new IllegalArgumentException("planner must be vpanel or vcenter, was " + planner);
    }
    between("maintenanceTimeoutSeconds", maintenanceTimeoutSeconds, 0, 86_400);
  }

  public static VsphereSettings defaults() {
    return new VsphereSettings(
        "",
        "",
        "",
        "",
        "6.5",
        "",
        DEFAULT_POLICY_FIELD,
        VmPolicy.MIGRATE,
        10,
        5,
        1024,
        4,
        10,
        60,
        20,
        64,
        30,
        "defaultPriority",
        120,
        false,
        "vpanel",
        0);
  }

  /** Refuses settings that cannot connect, with the key to fix; called when the driver is made. */
  VsphereSettings requireConnection() {
    if (url.isEmpty()) {
      throw new DriverException(
          "vsphere: url is required (for example https://vcenter.example/sdk)");
    }
    URI parsed;
    try {
      parsed = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new DriverException("vsphere: url is not a URL: " + url);
    }
    if (!"https".equals(parsed.getScheme()) || parsed.getHost() == null) {
      throw new DriverException("vsphere: url must be https://HOST[:PORT]/sdk, was " + url);
    }
    if (user.isEmpty()) {
      throw new DriverException("vsphere: user is required");
    }
    if (passwordFile.isEmpty()) {
      throw new DriverException(
          "vsphere: passwordFile is required (a file with the password, mode 600)");
    }
    return this;
  }

  public VsphereSettings withConnection(
      String newUrl, String newUser, String newPasswordFile, String newCaFile) {
    return new VsphereSettings(
        newUrl,
        newUser,
        newPasswordFile,
        newCaFile,
        apiVersion,
        cluster,
        policyField,
        defaultPolicy,
        nicGbps,
        streamGbps,
        hostReserveMiB,
        vcpuOvercommit,
        connectTimeoutSeconds,
        requestTimeoutSeconds,
        waitSeconds,
        maxReplyMiB,
        reconnectMaxSeconds,
        migrationPriority,
        shutdownTimeoutSeconds,
        forceOffAfterShutdownTimeout,
        planner,
        maintenanceTimeoutSeconds);
  }

  public VsphereSettings withPlanner(String newPlanner, String newCluster) {
    return new VsphereSettings(
        url,
        user,
        passwordFile,
        caFile,
        apiVersion,
        newCluster,
        policyField,
        defaultPolicy,
        nicGbps,
        streamGbps,
        hostReserveMiB,
        vcpuOvercommit,
        connectTimeoutSeconds,
        requestTimeoutSeconds,
        waitSeconds,
        maxReplyMiB,
        reconnectMaxSeconds,
        migrationPriority,
        shutdownTimeoutSeconds,
        forceOffAfterShutdownTimeout,
        newPlanner,
        maintenanceTimeoutSeconds);
  }

  public VsphereSettings withShutdown(int timeoutSeconds, boolean forceOff) {
    return new VsphereSettings(
        url,
        user,
        passwordFile,
        caFile,
        apiVersion,
        cluster,
        policyField,
        defaultPolicy,
        nicGbps,
        streamGbps,
        hostReserveMiB,
        vcpuOvercommit,
        connectTimeoutSeconds,
        requestTimeoutSeconds,
        waitSeconds,
        maxReplyMiB,
        reconnectMaxSeconds,
        migrationPriority,
        timeoutSeconds,
        forceOff,
        planner,
        maintenanceTimeoutSeconds);
  }

  long nicBytesPerSec() {
    return Math.max(1, Math.round(nicGbps * 1e9 / 8));
  }

  long streamBytesPerSec() {
    return Math.max(1, Math.round(streamGbps * 1e9 / 8));
  }

  private static void gbps(String key, double value) {
    if (!(value > 0 && value <= 1000)) {
      throw new IllegalArgumentException(
          key + " must be more than 0 and at most 1000 (gigabits per second), was " + value);
    }
  }
}
