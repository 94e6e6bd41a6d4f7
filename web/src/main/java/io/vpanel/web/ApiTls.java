package io.vpanel.web;

import io.vpanel.web.PemFiles.Identity;
import io.vpanel.web.PemFiles.PemException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's TLS: the PEM certificate and key in a Jetty {@link SslContextFactory.Server} (TLS 1.3
 * and 1.2 only, Jetty's default cipher list, which leaves out the weak suites), the client CA when
 * clients must present a certificate, and a watch on the files. A changed pair is checked like the
 * first (key matches certificate, not expired, key file private) and then serves new connections;
 * connections already open keep theirs. A pair that fails the checks is logged with the reason and
 * the one in use stays.
 */
public final class ApiTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiTls.class);

  /** The protocols the API speaks, newest first; nothing older than TLS 1.2. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** What one check of the files found. */
  public enum Check {
    /** The files are as they were. */
    UNCHANGED,
    /** The files changed and their new contents are in use. */
    RELOADED,
    /** The files changed but cannot be used; the pair in use stays. */
    REFUSED
  }

  private record Material(Identity identity, Optional<List<X509Certificate>> clientCa) {}

  private final TlsSettings settings;
  private final SslContextFactory.Server factory = new SslContextFactory.Server();
  private final Object lock = new Object();
  private List<String> inUseFiles;
  private List<String> refusedFiles;
  private volatile X509Certificate certificate;
  private ScheduledExecutorService watcher;

  /**
   * Reads and checks the files.
   *
   * @throws PemException naming the file and the fix when they cannot be used
   */
  public ApiTls(TlsSettings settings) {
    this.settings = settings;
    List<String> files = fingerprint();
    Material material = load();
    factory.setIncludeProtocols(PROTOCOLS.toArray(new String[0]));
    factory.setSniRequired(false);
    factory.setRenegotiationAllowed(false);
    factory.setUseCipherSuitesOrder(true);
    factory.setKeyStorePassword(Identity.password());
    factory.setKeyManagerPassword(Identity.password());
    factory.setKeyStore(material.identity().keyStore());
    material
        .clientCa()
        .ifPresent(
            ca -> {
              factory.setTrustStore(PemFiles.trustStore(ca));
              factory.setNeedClientAuth(true);
            });
    inUseFiles = files;
    certificate = material.identity().leaf();
    warnIfExpiring(certificate);
  }

  /**
   * Checks the files once without TLS (for the configuration check before start).
   *
   * @throws PemException naming the file and the fix when they cannot be used
   */
  public static void check(TlsSettings settings) {
    PemFiles.identity(settings.certificate(), settings.key());
    settings.clientCa().ifPresent(PemFiles::certificates);
  }

  /** The Jetty side; its connector starts and stops it. */
  public SslContextFactory.Server factory() {
    return factory;
  }

  public TlsSettings settings() {
    return settings;
  }

  /** The certificate new connections are served. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** True when clients must present a certificate signed by the client CA. */
  public boolean mutual() {
    return settings.clientCa().isPresent();
  }

  /** Checks the files every {@link TlsSettings#reloadInterval}, on a thread of its own. */
  void startWatching() {
    synchronized (lock) {
      if (watcher != null) {
        return;
      }
      watcher =
          Executors.newSingleThreadScheduledExecutor(
              Thread.ofPlatform().name("vpanel-tls-watch").daemon().factory());
      long millis = settings.reloadInterval().toMillis();
      watcher.scheduleWithFixedDelay(this::checkQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }
  }

  /** Looks at the files now: reloads them when they changed and can be used. */
  public Check checkNow() {
    synchronized (lock) {
      List<String> files = fingerprint();
      if (files.equals(inUseFiles)) {
        refusedFiles = null;
        return Check.UNCHANGED;
      }
      if (files.equals(refusedFiles)) {
        return Check.REFUSED;
      }
      Material material;
      try {
        material = load();
      } catch (PemException e) {
        refusedFiles = files;
        log.error(
            "TLS files changed but cannot be used: {}; the certificate in use stays",
            e.getMessage());
        return Check.REFUSED;
      }
      KeyStore keyStore = material.identity().keyStore();
      Optional<KeyStore> trustStore = material.clientCa().map(PemFiles::trustStore);
      try {
        factory.reload(
            f -> {
              f.setKeyStore(keyStore);
              trustStore.ifPresent(f::setTrustStore);
            });
      } catch (Exception e) {
        refusedFiles = files;
        log.error(
            "TLS files changed but Jetty refused them: {}; the certificate in use stays",
            e.toString());
        return Check.REFUSED;
      }
      inUseFiles = files;
      refusedFiles = null;
      certificate = material.identity().leaf();
      log.info("TLS certificate reloaded: {}", PemFiles.describe(certificate));
      warnIfExpiring(certificate);
      return Check.RELOADED;
    }
  }

  private void checkQuietly() {
    try {
      checkNow();
    } catch (RuntimeException e) {
      log.error("checking the TLS files failed; the certificate in use stays", e);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (watcher != null) {
        watcher.shutdownNow();
        watcher = null;
      }
    }
  }

  private Material load() {
    Identity identity = PemFiles.identity(settings.certificate(), settings.key());
    Optional<List<X509Certificate>> clientCa = settings.clientCa().map(PemFiles::certificates);
    return new Material(identity, clientCa);
  }

  private static void warnIfExpiring(X509Certificate certificate) {
    if (PemFiles.expiresSoon(certificate, Instant.now())) {
      log.warn(
          "the API's TLS certificate expires soon: {}; renew it (the agent reloads the files)",
          PemFiles.describe(certificate));
    }
  }

  /** The contents' digests of the watched files ("missing" for one that is not there). */
  private List<String> fingerprint() {
    List<String> out = new ArrayList<>();
    List<Path> files = new ArrayList<>(List.of(settings.certificate(), settings.key()));
    settings.clientCa().ifPresent(files::add);
    for (Path file : files) {
      try {
        if (Files.size(file) > PemFiles.MAX_FILE_BYTES) {
          out.add("too large " + Files.size(file));
          continue;
        }
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        out.add(java.util.HexFormat.of().formatHex(digest));
      } catch (IOException e) {
        out.add("missing");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }
}
