package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket and the failed-authentication back-off, on a clock the test moves. */
class RateLimitsTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private void advanceMillis(long millis) {
    nanos.addAndGet(millis * 1_000_000L);
  }

  @Test
  void aBucketAllowsItsBurstThenItsRate() {
    RateLimiter limiter = new RateLimiter(2, 4, nanos::get);
    for (int i = 0; i < 4; i++) {
      assertThat(limiter.take("a")).isZero();
    }
    assertThat(limiter.take("a")).isEqualTo(1);
    assertThat(limiter.take("b")).as("keys are independent").isZero();
    advanceMillis(500);
    assertThat(limiter.take("a")).as("one more after 1/rate s").isZero();
    assertThat(limiter.take("a")).isPositive();
    advanceMillis(10_000);
    for (int i = 0; i < 4; i++) {
      assertThat(limiter.take("a")).as("refilled to the burst, not beyond").isZero();
    }
    assertThat(limiter.take("a")).isPositive();
  }

  @Test
  void aBucketForgetsTheLeastRecentlyUsedKeysBeyondItsBound() {
    RateLimiter limiter = new RateLimiter(1, 1, nanos::get);
    assertThat(limiter.take("first")).isZero();
    for (int i = 0; i < RateLimiter.MAX_KEYS; i++) {
      limiter.take("k" + i);
    }
    assertThat(limiter.take("first")).as("forgotten, so a fresh bucket").isZero();
  }

  @Test
  void failuresBackOffDoublingUpToTheCapAndASuccessForgetsThem() {
    AuthFailures failures = new AuthFailures(nanos::get);
    for (int i = 0; i < AuthFailures.FREE_FAILURES - 1; i++) {
      failures.failed("x");
      assertThat(failures.blockedFor("x")).isZero();
    }
    failures.failed("x");
    assertThat(failures.blockedFor("x")).isEqualTo(1);
    advanceMillis(1_000);
    assertThat(failures.blockedFor("x")).isZero();
    failures.failed("x");
    assertThat(failures.blockedFor("x")).isEqualTo(2);
    for (int i = 0; i < 20; i++) {
      failures.failed("x");
    }
    assertThat(failures.blockedFor("x")).isEqualTo(AuthFailures.MAX_BLOCK_SECONDS);
    assertThat(failures.blockedFor("y")).isZero();
    failures.succeeded("x");
    assertThat(failures.blockedFor("x")).isZero();
  }
}
