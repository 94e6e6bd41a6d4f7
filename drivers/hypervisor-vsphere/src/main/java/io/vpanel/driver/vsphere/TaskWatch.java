package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import org.w3c.dom.Element;

/**
 * Waits for one Task to end through a private PropertyCollector and WaitForUpdatesEx on {@code
 * info.state}, {@code info.progress} and {@code info.error} (no polling of the task). When the
 * server cannot be reached for a while or the session's collector vanished, it makes a new
 * collector (the task itself outlives sessions) until the server has been unreachable for longer
 * than {@code unreachableLimit}.
 */
final class TaskWatch {
  private static final Map<String, List<String>> PATHS =
      Map.of("Task", List.of("info.state", "info.progress", "info.error"));

  /**
   * How a task ended.
   *
   * @param success {@code info.state} is {@code success}
   * @param faultType the fault's type ({@code InvalidState}, {@code RequestCanceled}), or the
   *     reason the end could not be learnt ({@code Unreachable}, {@code Stopped})
   * @param message the operator's message
   */
  record End(boolean success, String faultType, String message) {
    static End ok() {
      return new End(true, "", "");
    }
  }

  private TaskWatch() {}

  /**
   * Blocks until {@code task} ends.
   *
   * @param onProgress gets each new {@code info.progress} (0-100)
   * @param stop when true, the watch ends with fault type {@code Stopped}
   */
  static End await(
      Vim vim,
      MoRef task,
      int waitSeconds,
      Duration unreachableLimit,
      IntConsumer onProgress,
      BooleanSupplier stop) {
    long unreachableSince = -1;
    int notFound = 0; // ManagedObjectNotFound in a row, each with a fresh collector
    long backoffMillis = 100;
    while (true) {
      if (stop.getAsBoolean()) {
        return new End(false, "Stopped", "stopped waiting for " + task);
      }
      MoRef collector = null;
      boolean filtered = false;
      try {
        collector = vim.createPropertyCollector();
        vim.createFilter(collector, PATHS, task, false);
        filtered = true;
        String version = "";
        String state = "";
        Element error = null;
        while (true) {
          if (stop.getAsBoolean()) {
            return new End(false, "Stopped", "stopped waiting for " + task);
          }
          Optional<Element> set = vim.waitForUpdates(collector, version, Math.min(waitSeconds, 2));
          List<ObjectUpdate> updates =
              set.map(ObjectUpdate::ofUpdateSet).orElse(List.of()).stream()
                  .filter(u -> u.obj().equals(task))
                  .toList();
          unreachableSince = -1; // a wait answered: the server is there
          notFound = 0;
          backoffMillis = 100;
          if (version.isEmpty() && updates.isEmpty()) {
            // the first answer holds the task's whole state; none means the server does not know
            // it (a restarted server: vcsim accepts a filter on a missing object)
            return new End(
                false,
                "ManagedObjectNotFound",
                "vSphere no longer knows "
                    + task
                    + " (restarted?); the guest stays where vSphere has it");
          }
          if (set.isEmpty()) {
            continue;
          }
          version = String.valueOf(Xml.text(Xml.child(set.get(), "version")));
          for (ObjectUpdate update : updates) {
            for (ObjectUpdate.Change c : update.changes()) {
              switch (c.name()) {
                case "info.state" -> state = String.valueOf(Xml.text(c.val()));
                case "info.progress" ->
                    Xml.number(c.removed() ? null : c.val())
                        .ifPresent(p -> onProgress.accept((int) Math.max(0, Math.min(100, p))));
                case "info.error" -> error = c.removed() ? null : c.val();
                default -> {}
              }
            }
          }
          if (state.equals("success")) {
            return End.ok();
          }
          if (state.equals("error")) {
            return failed(error);
          }
        }
      } catch (VimFault fault) {
        if (!"ManagedObjectNotFound".equals(fault.faultType()) && !fault.notAuthenticated()) {
          throw fault;
        }
        // the collector went with its session, or the task is gone (server restarted)
        // once may be our collector gone with its session; twice with a fresh one is the task
        if (!fault.notAuthenticated() && (++notFound >= 2 || (collector != null && !filtered))) {
          return new End(
              false,
              "ManagedObjectNotFound",
              "vSphere no longer knows task " + task + " (" + fault.getMessage() + ")");
        }
      } catch (DriverException unreachable) {
        long now = System.nanoTime();
        if (unreachableSince < 0) {
          unreachableSince = now;
        } else if (now - unreachableSince > unreachableLimit.toNanos()) {
          return new End(
              false,
              "Unreachable",
              "lost contact with vSphere while "
                  + task
                  + " ran, for more than "
                  + unreachableLimit.toSeconds()
                  + " s ("
                  + unreachable.getMessage()
                  + "); the task may still finish there");
        }
        try {
          Thread.sleep(backoffMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new End(false, "Stopped", "interrupted while waiting for " + task);
        }
        backoffMillis = Math.min(2000, backoffMillis * 2);
      } finally {
        if (collector != null) {
          vim.destroyPropertyCollector(collector);
        }
      }
    }
  }

  private static End failed(Element error) {
    Element fault = Xml.child(error, "fault");
    String type = fault == null ? "Error" : Xml.xsiType(fault, fault.getLocalName());
    String message = Xml.text(Xml.child(error, "localizedMessage"));
    if (message == null || message.isBlank() || message.startsWith("*types.")) {
      message = type;
    }
    return new End(false, type, SoapResponse.clip(message));
  }
}
