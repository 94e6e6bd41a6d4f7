package io.vpanel.driver.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.Status;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.SecretFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/** Builds the jetcd client from the settings and waits on its calls. */
final class EtcdClients {
  /**
   * grpc-netty logs at JUL INFO on first use ("Epoll available during static init of
   * TcpMetrics:false"); kept here so the level holds (JUL keeps loggers weakly).
   */
  private static final java.util.logging.Logger GRPC_NETTY =
      java.util.logging.Logger.getLogger("io.grpc.netty");

  static {
    if (GRPC_NETTY.getLevel() == null) {
      GRPC_NETTY.setLevel(java.util.logging.Level.WARNING);
    }
  }

  private EtcdClients() {}

  /** A client for {@code settings}; checks the TLS and password files first. */
  static Client create(EtcdSettings settings) {
    return builder(settings).build();
  }

  /**
   * The builder of a client for {@code settings}, to be built as it is or with shared resources
   * ({@link EtcdClientPool}); checks the TLS and password files first.
   */
  static ClientBuilder builder(EtcdSettings settings) {
    ClientBuilder builder =
        Client.builder()
            .endpoints(settings.endpoints().toArray(String[]::new))
            .interceptor(new DeadlineInterceptor(settings.requestTimeout()))
            .connectTimeout(settings.requestTimeout())
            // jetcd pings idle connections too (round-robin keeps one to every member); etcd
            // counts a ping on a connection without streams as a strike and, after two, closes it
            // with GOAWAY ENHANCE_YOUR_CALM "too_many_pings", failing every stream on it.
            .keepaliveWithoutCalls(false);
    if (!settings.caFile().isEmpty()) {
      Path ca = readable("caFile", settings.caFile());
      Path cert = settings.certFile().isEmpty() ? null : readable("certFile", settings.certFile());
      Path key = null;
      if (cert != null) {
        key = readable("keyFile", settings.keyFile());
        SecretFiles.requireOwnerOnly(key);
      }
      Path clientKey = key;
      try {
        builder.sslContext(
            ssl -> {
              ssl.trustManager(ca.toFile());
              if (cert != null) {
                ssl.keyManager(cert.toFile(), clientKey.toFile());
              }
            });
      } catch (SSLException | IllegalArgumentException e) {
        throw new DriverException("etcd TLS files unusable: " + e.getMessage(), e);
      }
    }
    if (!settings.user().isEmpty()) {
      Path file = readable("passwordFile", settings.passwordFile());
      SecretFiles.requireOwnerOnly(file);
      String password;
      try {
        password = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
      } catch (IOException e) {
        throw new DriverException("passwordFile " + file + ": " + e.getMessage(), e);
      }
      if (password.isEmpty()) {
        throw new DriverException("passwordFile " + file + " is empty");
      }
      builder.user(EtcdKeys.bytes(settings.user())).password(EtcdKeys.bytes(password.strip()));
    }
    return builder;
  }

  /**
   * Waits for {@code call}; the interceptor's deadline ends it first, the extra second only guards
   * against a call that was never sent.
   */
  static <T> T await(CompletableFuture<T> call, EtcdSettings settings) throws EtcdUnavailable {
    try {
      return call.get(settings.requestTimeoutMillis() + 1000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailable("interrupted", e);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new EtcdUnavailable("no answer in " + settings.requestTimeoutMillis() + " ms", e);
    } catch (ExecutionException e) {
      throw new EtcdUnavailable(reason(e.getCause()), e.getCause());
    }
  }

  /** One line for an etcd failure: its gRPC status and message, as both API kinds report them. */
  static String reason(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null
        && (cause instanceof ExecutionException
            || cause instanceof java.util.concurrent.CompletionException)) {
      cause = cause.getCause();
    }
    if (cause instanceof io.etcd.jetcd.common.exception.EtcdException etcd) {
      return etcd.getErrorCode() + ": " + etcd.getMessage();
    }
    Status status = Status.fromThrowable(cause);
    if (status.getCode() != Status.Code.UNKNOWN) {
      return status.getCode()
          + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
    return String.valueOf(cause.getMessage());
  }

  private static Path readable(String key, String file) {
    Path path = Path.of(file);
    if (!Files.isReadable(path)) {
      throw new DriverException(key + " " + file + ": no such file or not readable");
    }
    return path;
  }

  /** etcd could not be reached or did not answer in time. */
  static final class EtcdUnavailable extends Exception {
    private static final long serialVersionUID = 1L;

    EtcdUnavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
