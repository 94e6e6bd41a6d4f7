package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS trust of the vSphere connection: the certificates of a PEM bundle ({@code caFile}), or
 * the JDK's own trust store when none is configured. Host names are checked by the JDK's HTTP
 * client. There is no way to turn verification off.
 */
final class TrustBundle {
  private TrustBundle() {}

  /** An SSL context trusting exactly the certificates in {@code caFile}; null for the JDK's. */
  static SSLContext of(String caFile) {
    if (caFile == null || caFile.isBlank()) {
      return null;
    }
    Path path = Path.of(caFile);
    try (InputStream in = Files.newInputStream(path)) {
      Collection<? extends Certificate> certificates =
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new DriverException(
            caFile + ": no PEM certificate in the vSphere CA bundle (caFile)");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("ca" + i++, certificate);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, trust.getTrustManagers(), null);
      return ssl;
    } catch (IOException e) {
      throw new DriverException(
          caFile + ": cannot read the vSphere CA bundle (caFile): " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new DriverException(
          caFile + ": not a PEM certificate bundle (caFile): " + e.getMessage());
    }
  }
}
