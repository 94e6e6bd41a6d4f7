package io.vpanel.driver.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A deadline on every unary etcd call. jetcd has no per-call timeout, and while no member is
 * reachable a call waits for a connection forever; a future given up on with {@code get(timeout)}
 * is not cancelled and may still be applied later. A gRPC deadline cancels the call itself. Streams
 * (watch, keep-alive, observe) and the calls that block until they win ({@code Campaign}, {@code
 * Lock}) are left alone.
 */
final class DeadlineInterceptor implements ClientInterceptor {
  private static final Set<String> BLOCKING =
      Set.of("v3electionpb.Election/Campaign", "v3lockpb.Lock/Lock");
  private final long timeoutMillis;

  DeadlineInterceptor(Duration timeout) {
    this.timeoutMillis = timeout.toMillis();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method.getType() == MethodDescriptor.MethodType.UNARY
        && options.getDeadline() == null
        && !BLOCKING.contains(method.getFullMethodName())) {
      options = options.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    }
    return next.newCall(method, options);
  }
}
