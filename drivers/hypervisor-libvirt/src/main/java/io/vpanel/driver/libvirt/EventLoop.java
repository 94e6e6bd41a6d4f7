package io.vpanel.driver.libvirt;

import io.vpanel.spi.DriverException;
import org.libvirt.Connect;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.libvirt.jna.Libvirt;

/**
 * libvirt's default event loop, once per JVM: registered before the first {@link Connect} (else no
 * connection gets events, keepalives or close notices) and run on one daemon thread for the life of
 * the process. Everything it calls back must only hand work off.
 */
final class EventLoop {
  private static final System.Logger log = System.getLogger(EventLoop.class.getName());
  private static boolean started;

  private EventLoop() {}

  static synchronized void ensureRunning() {
    if (started) {
      return;
    }
    try {
      Library.initEventLoop();
      // libvirt's default error handler prints every error on stderr; the exceptions suffice
      Connect.setErrorCallback((Libvirt.VirErrorCallback) (userData, error) -> {});
    } catch (LibvirtException | UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new DriverException(
          "cannot start libvirt's event loop ("
              + e.getMessage()
              + "); is the libvirt client library (Debian: libvirt0) installed?",
          e);
    }
    Thread.ofPlatform()
        .daemon()
        .name("libvirt-event-loop")
        .start(
            () -> {
              while (true) {
                try {
                  Library.runEventLoop();
                  return;
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                } catch (LibvirtException | RuntimeException e) {
                  log.log(System.Logger.Level.WARNING, "libvirt event loop: " + e.getMessage());
                }
              }
            });
    started = true;
  }
}
