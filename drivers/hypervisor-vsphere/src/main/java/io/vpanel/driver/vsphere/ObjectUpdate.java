package io.vpanel.driver.vsphere;

import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;

/**
 * One object's entry in a property collector's answer: RetrievePropertiesEx's {@code objects} (kind
 * {@code enter}, every property {@code assign}) or WaitForUpdatesEx's {@code objectSet}.
 *
 * @param kind {@code enter}, {@code modify} or {@code leave}
 * @param obj the object
 * @param changes its changed properties in the order sent
 */
record ObjectUpdate(String kind, MoRef obj, List<Change> changes) {

  /**
   * One property change.
   *
   * @param name the property path ({@code runtime.powerState})
   * @param op {@code assign}, {@code remove}, {@code add} or {@code indirectRemove}
   * @param val the value element; null when removed or unset
   */
  record Change(String name, String op, Element val) {
    boolean removed() {
      return val == null || op.equals("remove") || op.equals("indirectRemove");
    }
  }

  boolean leave() {
    return kind.equals("leave");
  }

  /** The {@code objects} of a RetrievePropertiesEx {@code returnval}; malformed ones skipped. */
  static List<ObjectUpdate> ofRetrieveResult(Element returnval) {
    List<ObjectUpdate> out = new ArrayList<>();
    for (Element oc : Xml.children(returnval, "objects")) {
      MoRef obj = Xml.ref(Xml.child(oc, "obj"));
      if (obj == null) {
        continue;
      }
      List<Change> changes = new ArrayList<>();
      for (Element ps : Xml.children(oc, "propSet")) {
        String name = Xml.text(Xml.child(ps, "name"));
        if (name != null && !name.isEmpty()) {
          changes.add(new Change(name, "assign", Xml.child(ps, "val")));
        }
      }
      out.add(new ObjectUpdate("enter", obj, List.copyOf(changes)));
    }
    return out;
  }

  /** The object updates of a WaitForUpdatesEx UpdateSet, in order; malformed ones skipped. */
  static List<ObjectUpdate> ofUpdateSet(Element updateSet) {
    List<ObjectUpdate> out = new ArrayList<>();
    for (Element filterSet : Xml.children(updateSet, "filterSet")) {
      for (Element os : Xml.children(filterSet, "objectSet")) {
        MoRef obj = Xml.ref(Xml.child(os, "obj"));
        String kind = Xml.text(Xml.child(os, "kind"));
        if (obj == null || kind == null || !List.of("enter", "modify", "leave").contains(kind)) {
          continue;
        }
        List<Change> changes = new ArrayList<>();
        for (Element ch : Xml.children(os, "changeSet")) {
          String name = Xml.text(Xml.child(ch, "name"));
          String op = Xml.text(Xml.child(ch, "op"));
          if (name == null || name.isEmpty()) {
            continue;
          }
          changes.add(new Change(name, op == null ? "assign" : op, Xml.child(ch, "val")));
        }
        out.add(new ObjectUpdate(kind, obj, List.copyOf(changes)));
      }
    }
    return out;
  }
}
