package io.vpanel.driver.vsphere;

import io.vpanel.spi.management.DrsMode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.w3c.dom.Element;

/**
 * What the vcenter backend reads of a cluster's {@code configurationEx} (a ClusterConfigInfoEx) and
 * of its own host's HA and Proactive HA state, parsed tolerantly: a missing element is "not set",
 * never an error, and unknown elements are ignored (vcsim 0.24 leaves {@code infraUpdateHaConfig}
 * and {@code runtime.dasHostState} unset; a real vCenter sends them).
 *
 * @param drs the DRS light: {@code drsConfig.enabled} false is off; {@code defaultVmBehavior}
 *     {@code fullyAutomated} (or unset, vCenter's default) automatic; else manual
 * @param ha {@code dasConfig.enabled}
 * @param proactiveHa {@code infraUpdateHaConfig}, empty when the server sends none (older API,
 *     vcsim)
 */
record ClusterState(DrsMode drs, boolean ha, Optional<ProactiveHa> proactiveHa) {

  static final ClusterState NONE = new ClusterState(DrsMode.OFF, false, Optional.empty());

  /**
   * Proactive HA as a ClusterInfraUpdateHaConfigInfo sets it.
   *
   * @param enabled whether it is on
   * @param behavior {@code Manual} (vCenter only recommends) or {@code Automated}
   * @param moderateRemediation {@code MaintenanceMode}, {@code QuarantineMode} or {@code MixedMode}
   * @param severeRemediation the same for a severe degradation
   * @param providers the health update providers it listens to
   */
  record ProactiveHa(
      boolean enabled,
      String behavior,
      String moderateRemediation,
      String severeRemediation,
      List<String> providers) {
    ProactiveHa {
      providers = List.copyOf(providers);
    }

    /** On, with at least one provider to tell it a host's health. */
    boolean protects() {
      return enabled && !providers.isEmpty();
    }

    String describe() {
      return "Proactive HA "
          + (enabled ? "on" : "off")
          + (enabled
              ? " ("
                  + behavior.toLowerCase(Locale.ROOT)
                  + ", moderate: "
                  + moderateRemediation
                  + ", severe: "
                  + severeRemediation
                  + ", "
                  + providers.size()
                  + " provider"
                  + (providers.size() == 1 ? "" : "s")
                  + ")"
              : "");
    }
  }

  /** Parses a ClusterConfigInfoEx ({@code null} is a cluster with nothing set). */
  static ClusterState parse(Element configurationEx) {
    if (configurationEx == null) {
      return NONE;
    }
    Element drsConfig = Xml.child(configurationEx, "drsConfig");
    boolean drsOn = "true".equals(Xml.text(Xml.child(drsConfig, "enabled")));
    String behavior = Xml.text(Xml.child(drsConfig, "defaultVmBehavior"));
    boolean automatic = behavior == null || behavior.isEmpty() || behavior.equals("fullyAutomated");
    DrsMode drs = !drsOn ? DrsMode.OFF : automatic ? DrsMode.AUTOMATIC : DrsMode.MANUAL;
    boolean ha = "true".equals(Xml.text(Xml.path(configurationEx, "dasConfig", "enabled")));
    Element infra = Xml.child(configurationEx, "infraUpdateHaConfig");
    Optional<ProactiveHa> proactive = Optional.empty();
    if (infra != null) {
      proactive =
          Optional.of(
              new ProactiveHa(
                  "true".equals(Xml.text(Xml.child(infra, "enabled"))),
                  orEmpty(Xml.text(Xml.child(infra, "behavior"))),
                  orEmpty(Xml.text(Xml.child(infra, "moderateRemediation"))),
                  orEmpty(Xml.text(Xml.child(infra, "severeRemediation"))),
                  Xml.children(infra, "providers").stream()
                      .map(Xml::text)
                      .filter(p -> p != null && !p.isEmpty())
                      .toList()));
    }
    return new ClusterState(drs, ha, proactive);
  }

  /**
   * The HA agent states (ClusterDasFdmAvailabilityState) in which a host's guests are protected.
   */
  private static final Set<String> HA_PROTECTED = Set.of("master", "connectedToMaster");

  /**
   * The state of a host's HA agent from {@code runtime.dasHostState} (a ClusterDasFdmHostState):
   * its {@code state}, empty when the server sends none (HA off, vcsim).
   */
  static Optional<String> dasHostState(Element dasHostState) {
    String state = Xml.text(Xml.child(dasHostState, "state"));
    return state == null || state.isEmpty() ? Optional.empty() : Optional.of(state);
  }

  /** Whether an HA agent in {@code state} protects its host's guests. */
  static boolean haProtects(String state) {
    return HA_PROTECTED.contains(state);
  }

  private static String orEmpty(String text) {
    return text == null ? "" : text;
  }
}
