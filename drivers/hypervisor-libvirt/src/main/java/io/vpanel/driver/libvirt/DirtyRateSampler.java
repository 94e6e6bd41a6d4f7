package io.vpanel.driver.libvirt;

import io.vpanel.driver.libvirt.ConnectionSlot.Live;
import io.vpanel.spi.DriverException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Samples the dirty rate of every running guest of one host in the background, so that {@link
 * LibvirtConnection#inventory()} never waits for a calculation: every {@code
 * dirtyRateSampleSeconds} it starts libvirt's dirty-rate calculation ({@code
 * virDomainStartDirtyRateCalc}, one second, page sampling) on each running guest that has no job,
 * waits for it to finish, and keeps the result ({@code dirtyrate.megabytes_per_second} of {@code
 * virDomainListGetStats(VIR_DOMAIN_STATS_DIRTYRATE)}). The inventory reports the latest finished
 * sample (its own, or one another client of the daemon started); a guest never sampled yet reports
 * 0 (unknown). Runs on one daemon thread per connection; a connection that is down or being
 * re-established only skips a round.
 */
final class DirtyRateSampler {
  private static final System.Logger log = System.getLogger(DirtyRateSampler.class.getName());
  private static final int CALC_SECONDS = 1;
  private static final long MIB = 1024 * 1024;

  private final String host;
  private final int everySeconds;
  private final Supplier<Live<Connect>> connection;
  private final Map<String, Long> latest = new ConcurrentHashMap<>();
  private volatile Thread thread;

  DirtyRateSampler(String host, int everySeconds, Supplier<Live<Connect>> connection) {
    this.host = host;
    this.everySeconds = everySeconds;
    this.connection = connection;
  }

  /** Starts the sampling thread (nothing when sampling is off). */
  void start() {
    if (everySeconds <= 0) {
      return;
    }
    thread =
        Thread.ofPlatform().daemon().name("libvirt-dirtyrate-" + host).start(this::sampleForever);
  }

  /** The latest finished sample of guest {@code uuid} in bytes/s, 0 when there is none. */
  long bytesPerSec(String uuid) {
    return latest.getOrDefault(uuid, 0L);
  }

  void stop() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  private void sampleForever() {
    while (!Thread.currentThread().isInterrupted()) {
      long began = System.nanoTime();
      try {
        sampleOnce();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.DEBUG, host + ": dirty-rate sample failed: " + e);
      }
      long waitMillis = everySeconds * 1000L - (System.nanoTime() - began) / 1_000_000;
      try {
        Thread.sleep(Math.max(100, waitMillis));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** A job runs on the guest, or it is an incoming migration (whose statistics libvirt refuses). */
  private static boolean migrating(Domain domain) {
    try {
      return JobStats.of(domain.getJobStats(0)).active();
    } catch (LibvirtException | RuntimeException e) {
      return true;
    }
  }

  /** One round: start a calculation on every running guest without a job, then read them all. */
  void sampleOnce() throws InterruptedException {
    Connect c;
    try {
      c = connection.get().connection();
    } catch (DriverException e) {
      return; // down or reconnecting: next round
    }
    List<Domain> started = new ArrayList<>();
    List<String> running = new ArrayList<>();
    try {
      Domain[] domains = c.listAllDomains(1 /* VIR_CONNECT_LIST_DOMAINS_ACTIVE */);
      boolean anyMigrating = false;
      for (Domain domain : domains) {
        running.add(domain.getUUIDString());
        anyMigrating |= migrating(domain);
      }
      if (anyMigrating) {
        // No calculation on this host while a guest migrates to or from it: a migration's
        // switch-over was seen to hang on QEMU 7.2 (TCG) with calculations running beside it, and
        // the migration's own job statistics say how fast its guest dirties.
        latest.keySet().retainAll(running);
        return;
      }
      for (Domain domain : domains) {
        // Read it afterwards even when the start was refused: another client (a second agent, an
        // operator's virsh domdirtyrate-calc) may be calculating it already, and its result serves
        // as well as ours.
        NativeDomain.startDirtyRateCalc(domain, CALC_SECONDS);
        started.add(domain);
      }
    } catch (LibvirtException e) {
      return;
    }
    latest.keySet().retainAll(running);
    if (started.isEmpty()) {
      return;
    }
    Thread.sleep(CALC_SECONDS * 1000L + 300);
    for (Domain domain : started) {
      try {
        String uuid = domain.getUUIDString();
        Optional<NativeDomain.DirtyRate> rate = NativeDomain.dirtyRate(domain);
        if (rate.isPresent() && rate.get().measured()) {
          latest.put(uuid, rate.get().megabytesPerSecond() * MIB);
        }
      } catch (LibvirtException | RuntimeException e) {
        // gone meanwhile
      }
    }
  }
}
