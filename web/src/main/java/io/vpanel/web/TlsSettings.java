package io.vpanel.web;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS for the API.
 *
 * @param certificate PEM file: the server's certificate, then any intermediate certificates
 * @param key PEM file: the certificate's private key (RSA or EC, unencrypted), mode 600
 * @param clientCa PEM bundle: when present, every client must present a certificate signed by one
 *     of these (mutual TLS); empty for server authentication only
 * @param reloadInterval how often the files are checked for change; a changed, valid pair is put in
 *     use for new connections
 */
public record TlsSettings(
    Path certificate, Path key, Optional<Path> clientCa, Duration reloadInterval) {
  public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(60);

  public TlsSettings {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(clientCa, "clientCa");
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new IllegalArgumentException("reloadSeconds must be at least 1");
    }
  }

  /** Server authentication only, files checked every minute. */
  public TlsSettings(Path certificate, Path key) {
    this(certificate, key, Optional.empty(), DEFAULT_RELOAD_INTERVAL);
  }
}
