package io.vpanel.driver.vsphere;

import java.util.Objects;

/**
 * A vim25 ManagedObjectReference: {@code <tag type="HostSystem">host-42</tag>} on the wire.
 *
 * @param type the managed object's type ({@code HostSystem}, {@code VirtualMachine}, {@code Task})
 * @param value its id on the server ({@code host-42})
 */
public record MoRef(String type, String value) {
  public MoRef {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(value, "value");
  }

  @Override
  public String toString() {
    return type + ":" + value;
  }
}
