package io.vpanel.driver.lcdproc;

import io.vpanel.spi.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A scheduler on the real clock for driver tests: the driver only reads the time from it (for its
 * key events); tasks run on the caller.
 */
final class WallClock implements Scheduler {
  private final Clock clock = Clock.systemUTC();

  @Override
  public Instant now() {
    return clock.instant();
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    throw new UnsupportedOperationException("the lcdproc driver schedules nothing on core");
  }

  @Override
  public boolean inOwnerThread() {
    return true;
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }
}
