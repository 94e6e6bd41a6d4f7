package io.vpanel.driver.vsphere;

import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * What the driver knows of one VirtualMachine, from the property collector. Immutable; {@link
 * #apply} gives the guest after a change set.
 */
record Guest(
    MoRef ref,
    String name,
    String instanceUuid,
    String powerState,
    MoRef host,
    long memoryMiB,
    int vcpus,
    String annotation,
    Map<Integer, String> customValues,
    boolean template) {

  /** The properties read and watched for every VirtualMachine. */
  static final List<String> PATHS =
      List.of(
          "name",
          "config.instanceUuid",
          "config.hardware.memoryMB",
          "config.hardware.numCPU",
          "config.annotation",
          "config.template",
          "runtime.powerState",
          "runtime.host",
          "customValue");

  static Guest empty(MoRef ref) {
    return new Guest(ref, "", "", "", null, 0, 0, "", Map.of(), false);
  }

  Guest apply(List<ObjectUpdate.Change> changes) {
    Guest g = this;
    for (ObjectUpdate.Change c : changes) {
      Element v = c.removed() ? null : c.val();
      g =
          switch (c.name()) {
            case "name" -> g.with(n -> n.name = orEmpty(Xml.text(v)));
            case "config.instanceUuid" -> g.with(n -> n.instanceUuid = orEmpty(Xml.text(v)));
            case "config.hardware.memoryMB" ->
                g.with(
                    n -> n.memoryMiB = Math.max(0, Math.min(1L << 40, Xml.number(v).orElse(0L))));
            case "config.hardware.numCPU" ->
                g.with(
                    n ->
                        n.vcpus =
                            (int)
                                Math.min(Integer.MAX_VALUE, Math.max(0, Xml.number(v).orElse(0L))));
            case "config.annotation" -> g.with(n -> n.annotation = orEmpty(Xml.text(v)));
            case "config.template" -> g.with(n -> n.template = "true".equals(Xml.text(v)));
            case "runtime.powerState" -> g.with(n -> n.powerState = orEmpty(Xml.text(v)));
            case "runtime.host" -> g.with(n -> n.host = Xml.ref(v));
            case "customValue" -> g.with(n -> n.customValues = customValues(v));
            default -> g;
          };
    }
    return g;
  }

  private static Map<Integer, String> customValues(Element array) {
    Map<Integer, String> out = new HashMap<>();
    if (array == null) {
      return Map.of();
    }
    for (Element value : Xml.children(array, "CustomFieldValue")) {
      Optional<Long> key = Xml.number(Xml.child(value, "key"));
      String text = Xml.text(Xml.child(value, "value"));
      if (key.isPresent() && text != null && out.size() < 256) {
        out.put(key.get().intValue(), SoapResponse.clip(text));
      }
    }
    return Map.copyOf(out);
  }

  private static String orEmpty(String text) {
    return text == null ? "" : text;
  }

  /** A usable guest: named, with an instance uuid, not a template. */
  boolean listed() {
    return !template && !instanceUuid.isEmpty() && !name.isEmpty();
  }

  VmState state() {
    return switch (powerState) {
      case "poweredOn" -> VmState.RUNNING;
      case "suspended" -> VmState.SUSPENDED;
      default -> VmState.SHUTOFF;
    };
  }

  /**
   * The guest's maintenance policy: the custom attribute {@code policyField} (its key in {@code
   * fieldKey}, -1 when vCenter has no such field), else a {@code policyField=value} line of the
   * annotation, else {@code fallback}. A value that is no policy counts as none.
   */
  VmPolicy policy(int fieldKey, String policyField, VmPolicy fallback) {
    String declared = fieldKey >= 0 ? customValues.get(fieldKey) : null;
    if (declared == null || declared.isBlank()) {
      declared = annotationValue(policyField);
    }
    if (declared == null || declared.isBlank()) {
      return fallback;
    }
    try {
      return VmPolicy.parse(declared);
    } catch (IllegalArgumentException e) {
      return fallback;
    }
  }

  private String annotationValue(String key) {
    for (String line : annotation.split("\\R", 64)) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).strip().equals(key)) {
        return line.substring(eq + 1).strip();
      }
    }
    return null;
  }

  VmInfo info(int fieldKey, String policyField, VmPolicy fallback) {
    return new VmInfo(
        instanceUuid,
        name,
        state(),
        Math.max(0, memoryMiB) * 1024L * 1024L,
        Math.max(0, vcpus),
        0,
        policy(fieldKey, policyField, fallback));
  }

  private Guest with(java.util.function.Consumer<Builder> change) {
    Builder b = new Builder(this);
    change.accept(b);
    return b.build();
  }

  private static final class Builder {
    MoRef ref;
    String name;
    String instanceUuid;
    String powerState;
    MoRef host;
    long memoryMiB;
    int vcpus;
    String annotation;
    Map<Integer, String> customValues;
    boolean template;

    Builder(Guest g) {
      ref = g.ref;
      name = g.name;
      instanceUuid = g.instanceUuid;
      powerState = g.powerState;
      host = g.host;
      memoryMiB = g.memoryMiB;
      vcpus = g.vcpus;
      annotation = g.annotation;
      customValues = g.customValues;
      template = g.template;
    }

    Guest build() {
      return new Guest(
          ref,
          name,
          instanceUuid,
          powerState,
          host,
          memoryMiB,
          vcpus,
          annotation,
          customValues,
          template);
    }
  }
}
