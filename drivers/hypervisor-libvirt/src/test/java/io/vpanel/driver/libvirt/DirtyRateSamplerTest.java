package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.driver.libvirt.ConnectionSlot.Live;
import io.vpanel.spi.DriverException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;

/**
 * When the sampler keeps off: no round beside a migration of its host, nor in the gap between one
 * migration and the next. A round that goes ahead asks for the connection first, which here is down
 * (the round ends there), so the number of asks is the number of rounds that went ahead.
 */
class DirtyRateSamplerTest {
  private final AtomicInteger rounds = new AtomicInteger();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final Supplier<Live<Connect>> down =
      () -> {
        rounds.incrementAndGet();
        throw new DriverException("down");
      };
  private final DirtyRateSampler sampler = new DirtyRateSampler("a", 2, down, nanos::get);

  @Test
  void aQuietHostIsSampled() throws Exception {
    sampler.sampleOnce();

    assertThat(rounds).hasValue(1);
  }

  @Test
  void noRoundWhileAMigrationRunsNorRightAfterIt() throws Exception {
    sampler.migrationStarting();
    sampler.sampleOnce();
    assertThat(rounds).as("while it migrates").hasValue(0);

    sampler.migrationEnded();
    nanos.addAndGet(DirtyRateSampler.QUIET_AFTER_MIGRATION.toNanos() - 1);
    sampler.sampleOnce();
    assertThat(rounds).as("in the gap before the next migration").hasValue(0);

    nanos.addAndGet(1);
    sampler.sampleOnce();
    assertThat(rounds).as("once the host stayed quiet").hasValue(1);
  }

  @Test
  void twoMigrationsKeepItOffUntilBothEnded() throws Exception {
    sampler.migrationStarting();
    sampler.migrationStarting();
    sampler.migrationEnded();
    nanos.addAndGet(DirtyRateSampler.QUIET_AFTER_MIGRATION.toNanos() * 2);
    sampler.sampleOnce();
    assertThat(rounds).hasValue(0);

    sampler.migrationEnded();
    nanos.addAndGet(DirtyRateSampler.QUIET_AFTER_MIGRATION.toNanos());
    sampler.sampleOnce();
    assertThat(rounds).hasValue(1);
  }
}
