package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * The vim25 calls the driver and the management backend make, over one {@link VimClient}: property
 * retrieval through a ContainerView of the whole inventory (made again after every login, since
 * views belong to a session), private property collectors for change streams, and the methods that
 * start tasks.
 */
final class Vim implements AutoCloseable {
  /** Types the inventory view holds. */
  static final List<String> VIEW_TYPES =
      List.of("VirtualMachine", "HostSystem", "ClusterComputeResource");

  static final List<String> HOST_PATHS =
      List.of(
          "name",
          "parent",
          "runtime.connectionState",
          "runtime.inMaintenanceMode",
          "summary.hardware.memorySize",
          "summary.hardware.numCpuThreads");

  private final VimClient client;
  private final Object viewLock = new Object();
  private MoRef view;
  private long viewEpoch = -1;

  Vim(VimClient client) {
    this.client = client;
  }

  VimClient client() {
    return client;
  }

  /** A ContainerView of every VM, host and cluster under the root folder, for this session. */
  MoRef view() {
    synchronized (viewLock) {
      VimClient.ServiceContent sc = client.content();
      if (view == null || viewEpoch != client.epoch()) {
        long epoch = client.epoch();
        SoapBody body =
            SoapBody.call("CreateContainerView", sc.viewManager())
                .ref("container", sc.rootFolder());
        VIEW_TYPES.forEach(t -> body.text("type", t));
        body.text("recursive", true);
        MoRef made = Xml.ref(Xml.child(client.call(body), "returnval"));
        if (made == null) {
          throw new DriverException("vSphere at " + client.sdk() + " made no container view");
        }
        view = made;
        viewEpoch = epoch;
      }
      return view;
    }
  }

  /** Forgets the view (it was destroyed with its session, or the server restarted). */
  void dropView() {
    synchronized (viewLock) {
      view = null;
    }
  }

  /** Writes a PropertyFilterSpec's contents: one PropertySpec per type, one ObjectSpec. */
  static void filterSpec(
      SoapBody body, Map<String, List<String>> properties, MoRef obj, boolean viaView) {
    properties.forEach(
        (type, paths) -> {
          body.start("propSet").text("type", type);
          paths.forEach(p -> body.text("pathSet", p));
          body.end();
        });
    body.start("objectSet").ref("obj", obj);
    if (viaView) {
      body.text("skip", true)
          .start("selectSet", "TraversalSpec")
          .text("name", "view")
          .text("type", "ContainerView")
          .text("path", "view")
          .text("skip", false)
          .end();
    } else {
      body.text("skip", false);
    }
    body.end();
  }

  /**
   * Reads properties of every object in the inventory view (paged with
   * ContinueRetrievePropertiesEx).
   */
  List<ObjectUpdate> retrieveAll(Map<String, List<String>> properties) {
    try {
      return retrieve(properties, view(), true);
    } catch (VimFault fault) {
      if (!"ManagedObjectNotFound".equals(fault.faultType())) {
        throw fault;
      }
      dropView();
      return retrieve(properties, view(), true);
    }
  }

  /** Reads properties of one object. */
  List<ObjectUpdate> retrieve(Map<String, List<String>> properties, MoRef obj, boolean viaView) {
    MoRef pc = client.content().propertyCollector();
    SoapBody body = SoapBody.call("RetrievePropertiesEx", pc).start("specSet");
    filterSpec(body, properties, obj, viaView);
    body.end().start("options").end();
    return pages(pc, Xml.child(client.call(body), "returnval"));
  }

  /** A RetrieveResult and the pages after it (ContinueRetrievePropertiesEx). */
  private List<ObjectUpdate> pages(MoRef pc, Element first) {
    List<ObjectUpdate> out = new ArrayList<>();
    Element result = first;
    int pages = 0;
    while (result != null) {
      out.addAll(ObjectUpdate.ofRetrieveResult(result));
      String token = Xml.text(Xml.child(result, "token"));
      if (token == null || token.isEmpty()) {
        break;
      }
      if (++pages > 10_000) {
        throw new DriverException(
            "vSphere at " + client.sdk() + " pages its inventory without end");
      }
      result =
          Xml.child(
              client.call(SoapBody.call("ContinueRetrievePropertiesEx", pc).text("token", token)),
              "returnval");
    }
    return out;
  }

  /**
   * The tasks in {@code owner}'s {@code recentTask} list (a VirtualMachine's, or the TaskManager's:
   * queued, running and recently ended tasks) with their {@code info}'s entity, name, description
   * id and state, in one RetrievePropertiesEx.
   */
  List<ObjectUpdate> recentTasks(MoRef owner) {
    MoRef pc = client.content().propertyCollector();
    SoapBody body = SoapBody.call("RetrievePropertiesEx", pc).start("specSet");
    body.start("propSet").text("type", "Task");
    List.of("info.entity", "info.name", "info.descriptionId", "info.state")
        .forEach(p -> body.text("pathSet", p));
    body.end();
    body.start("objectSet")
        .ref("obj", owner)
        .text("skip", true)
        .start("selectSet", "TraversalSpec")
        .text("name", "recentTask")
        .text("type", owner.type())
        .text("path", "recentTask")
        .text("skip", false)
        .end()
        .end();
    body.end().start("options").end();
    return pages(pc, Xml.child(client.call(body), "returnval"));
  }

  /** Properties of the objects of one type, by object. */
  Map<MoRef, ObjectUpdate> all(String type, List<String> paths) {
    Map<MoRef, ObjectUpdate> out = new LinkedHashMap<>();
    for (ObjectUpdate u : retrieveAll(Map.of(type, paths))) {
      if (u.obj().type().equals(type)) {
        out.put(u.obj(), u);
      }
    }
    return out;
  }

  /** A private PropertyCollector of this session. */
  MoRef createPropertyCollector() {
    MoRef made =
        Xml.ref(
            Xml.child(
                client.call(
                    SoapBody.call("CreatePropertyCollector", client.content().propertyCollector())),
                "returnval"));
    if (made == null) {
      throw new DriverException("vSphere at " + client.sdk() + " made no property collector");
    }
    return made;
  }

  void createFilter(
      MoRef collector, Map<String, List<String>> properties, MoRef obj, boolean viaView) {
    SoapBody body = SoapBody.call("CreateFilter", collector).start("spec");
    filterSpec(body, properties, obj, viaView);
    body.end().text("partialUpdates", false);
    client.call(body);
  }

  void destroyPropertyCollector(MoRef collector) {
    try {
      client.call(SoapBody.call("DestroyPropertyCollector", collector));
    } catch (DriverException e) {
      // gone with its session already
    }
  }

  /**
   * One WaitForUpdatesEx: the UpdateSet's {@code returnval}, or empty when {@code maxWaitSeconds}
   * passed without a change.
   */
  Optional<Element> waitForUpdates(MoRef collector, String version, int maxWaitSeconds) {
    SoapBody body =
        SoapBody.call("WaitForUpdatesEx", collector)
            .text("version", version)
            .start("options")
            .text("maxWaitSeconds", maxWaitSeconds)
            .end();
    return Optional.ofNullable(Xml.child(client.call(body), "returnval"));
  }

  /** Calls a method that returns a Task and gives the task. */
  MoRef startTask(SoapBody body) {
    MoRef task = Xml.ref(Xml.child(client.call(body), "returnval"));
    if (task == null) {
      throw new DriverException(
          body.method() + " on vSphere at " + client.sdk() + " returned no task");
    }
    return task;
  }

  /** The key of the custom field named {@code name} (on VirtualMachine or any type), or -1. */
  int customFieldKey(String name) {
    MoRef manager = client.content().customFieldsManager();
    if (manager == null) {
      return -1;
    }
    for (ObjectUpdate u :
        retrieve(Map.of("CustomFieldsManager", List.of("field")), manager, false)) {
      for (ObjectUpdate.Change c : u.changes()) {
        for (Element def : Xml.children(c.val(), "CustomFieldDef")) {
          String type = Xml.text(Xml.child(def, "managedObjectType"));
          if (name.equals(Xml.text(Xml.child(def, "name")))
              && (type == null || type.isEmpty() || type.equals("VirtualMachine"))) {
            return Xml.number(Xml.child(def, "key")).orElse(-1L).intValue();
          }
        }
      }
    }
    return -1;
  }

  @Override
  public void close() {
    client.close();
  }
}
