package io.vpanel.web;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.SecretFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM certificates and private keys, read with the JDK alone, and the in-memory key and trust
 * stores made from them. The server ({@link ApiTls}) and the command-line client use the same code.
 * Every failure is a {@link PemException} whose message names the file and says what to do.
 */
public final class PemFiles {
  /** The largest PEM file read; a chain of a few certificates is a few kilobytes. */
  static final int MAX_FILE_BYTES = 1024 * 1024;

  /** A certificate expiring sooner than this is reported at start (and on reload). */
  public static final Duration EXPIRY_WARNING = Duration.ofDays(14);

  private static final Pattern BLOCK =
      Pattern.compile(
          "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----", Pattern.DOTALL);
  private static final String TO_PKCS8 =
      "convert it with: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW";

  /** The password of the in-memory key stores: they never reach a disk, so any value works. */
  static final String STORE_PASSWORD = HexFormat.of().formatHex(randomBytes(16));

  private PemFiles() {}

  /** A certificate chain and its private key, checked to belong together. */
  public record Identity(List<X509Certificate> chain, PrivateKey key) {
    public Identity {
      chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
      return chain.get(0);
    }

    /** A PKCS#12 key store in memory holding this identity, protected by {@link #password()}. */
    public KeyStore keyStore() {
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(
            "vpanel", key, STORE_PASSWORD.toCharArray(), chain.toArray(new X509Certificate[0]));
        return store;
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalStateException("cannot build an in-memory key store", e);
      }
    }

    /** The password of {@link #keyStore()} and of its key. */
    public static String password() {
      return STORE_PASSWORD;
    }
  }

  /**
   * The chain in {@code certificate} and the key in {@code key}, checked: the key matches the first
   * certificate, which is not expired; the key file is readable by its owner only.
   */
  public static Identity identity(Path certificate, Path key) {
    List<X509Certificate> chain = certificates(certificate);
    requireOwnerOnly(key);
    PrivateKey privateKey = privateKey(key);
    requireMatch(chain.get(0), privateKey, certificate, key);
    requireCurrent(chain.get(0), certificate, Instant.now());
    return new Identity(chain, privateKey);
  }

  /** Every certificate of a PEM file (one or a bundle); at least one. */
  public static List<X509Certificate> certificates(Path file) {
    String text = read(file);
    List<X509Certificate> certificates = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    boolean anyBlock = false;
    while (m.find()) {
      anyBlock = true;
      if (!m.group(1).equals("CERTIFICATE")) {
        if (m.group(1).contains("PRIVATE KEY")) {
          throw new PemException(
              file
                  + ": holds a private key where a certificate was expected; give the"
                  + " certificate file here and the key file as the key");
        }
        continue;
      }
      byte[] der = base64(file, m.group(2));
      try {
        certificates.add(
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der)));
      } catch (CertificateException e) {
        throw new PemException(
            file + ": certificate " + (certificates.size() + 1) + " is not valid X.509: " + e);
      }
    }
    if (certificates.isEmpty()) {
      throw new PemException(
          file
              + (anyBlock
                  ? ": holds no certificate (no -----BEGIN CERTIFICATE----- block)"
                  : ": is not a PEM file (no -----BEGIN CERTIFICATE----- block); convert a DER"
                      + " certificate with: openssl x509 -inform der -in OLD -out NEW"));
    }
    return List.copyOf(certificates);
  }

  /**
   * The private key of a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}), or the older PKCS#1 RSA
   * ({@code BEGIN RSA PRIVATE KEY}) and SEC1 EC ({@code BEGIN EC PRIVATE KEY}) forms; RSA or EC
   * only, unencrypted.
   */
  public static PrivateKey privateKey(Path file) {
    String text = read(file);
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      switch (type) {
        case "PRIVATE KEY" -> {
          return pkcs8(file, base64(file, m.group(2)), List.of("RSA", "EC"));
        }
        case "RSA PRIVATE KEY" -> {
          return pkcs8(
              file, Der.pkcs8(Der.RSA_ALGORITHM, base64(file, m.group(2))), List.of("RSA"));
        }
        case "EC PRIVATE KEY" -> {
          byte[] sec1 = base64(file, m.group(2));
          byte[] curve = Der.sec1Curve(sec1);
          if (curve == null) {
            throw new PemException(
                file
                    + ": the EC key does not name its curve; "
                    + TO_PKCS8.replace("OLD", file.toString()));
          }
          return pkcs8(file, Der.pkcs8(Der.ecAlgorithm(curve), sec1), List.of("EC"));
        }
        case "ENCRYPTED PRIVATE KEY" ->
            throw new PemException(
                file
                    + ": the key is encrypted; the agent needs it unencrypted (and readable by"
                    + " its user only): openssl pkcs8 -topk8 -nocrypt -in "
                    + file
                    + " -out NEW");
        case "OPENSSH PRIVATE KEY" ->
            throw new PemException(
                file
                    + ": an OpenSSH key cannot serve TLS; make a key and certificate with openssl");
        case "CERTIFICATE" -> {
          // A combined file: skip the certificate, look for the key.
        }
        default -> {
          if (type.contains("PRIVATE KEY")) {
            throw new PemException(
                file
                    + ": unsupported key type '"
                    + type
                    + "' (RSA or EC only); "
                    + TO_PKCS8.replace("OLD", file.toString()));
          }
        }
      }
    }
    throw new PemException(
        file + ": is not a PEM private key (no -----BEGIN PRIVATE KEY----- block)");
  }

  /** A trust store holding every certificate of {@code certificates}. */
  public static KeyStore trustStore(List<X509Certificate> certificates) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < certificates.size(); i++) {
        store.setCertificateEntry("ca-" + i, certificates.get(i));
      }
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build an in-memory trust store", e);
    }
  }

  /**
   * Refuses a key file that its group or others may read or write: the mode is checked, not whether
   * this process could read it, so running as root does not hide the mistake. Files on a file
   * system without POSIX modes are accepted.
   */
  public static void requireOwnerOnly(Path file) {
    try {
      SecretFiles.requireOwnerOnly(file);
    } catch (DriverException e) {
      throw new PemException(e.getMessage());
    }
  }

  /**
   * Refuses a key that does not belong to {@code certificate}: it signs, the certificate checks.
   */
  static void requireMatch(
      X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile) {
    PublicKey publicKey = certificate.getPublicKey();
    if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
      throw new PemException(
          keyFile
              + ": the key ("
              + key.getAlgorithm()
              + ") does not match the certificate in "
              + certFile
              + " ("
              + publicKey.getAlgorithm()
              + ")");
    }
    try {
      String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      byte[] challenge = randomBytes(32);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // reported below
    }
    throw new PemException(
        keyFile
            + ": the key does not match the certificate in "
            + certFile
            + " (it belongs to another certificate); give the key the certificate was made for");
  }

  /** Refuses an expired or not yet valid certificate. */
  static void requireCurrent(X509Certificate certificate, Path file, Instant now) {
    if (certificate.getNotAfter().toInstant().isBefore(now)) {
      throw new PemException(
          file
              + ": the certificate expired on "
              + certificate.getNotAfter().toInstant()
              + "; renew it");
    }
    if (certificate.getNotBefore().toInstant().isAfter(now)) {
      throw new PemException(
          file
              + ": the certificate is valid only from "
              + certificate.getNotBefore().toInstant()
              + "; check the clock or the certificate");
    }
  }

  /** True when {@code certificate} expires within {@link #EXPIRY_WARNING} of {@code now}. */
  public static boolean expiresSoon(X509Certificate certificate, Instant now) {
    return certificate.getNotAfter().toInstant().isBefore(now.plus(EXPIRY_WARNING));
  }

  /** How a certificate is named in the log: subject, serial number and end of validity. */
  public static String describe(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName()
        + " (serial "
        + certificate.getSerialNumber().toString(16)
        + ", valid until "
        + certificate.getNotAfter().toInstant()
        + ")";
  }

  private static PrivateKey pkcs8(Path file, byte[] der, List<String> algorithms) {
    for (String algorithm : algorithms) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException e) {
        // not this algorithm; try the next
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new PemException(
        file
            + ": unsupported key type (the agent takes RSA or EC keys; Ed25519 and others are not"
            + " supported) or a damaged key");
  }

  private static byte[] base64(Path file, String body) {
    try {
      return Base64.getMimeDecoder().decode(body.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new PemException(file + ": damaged PEM (bad base64: " + e.getMessage() + ")");
    }
  }

  private static String read(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new PemException(
            file + (Files.exists(file) ? ": is not a regular file" : ": no such file"));
      }
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new PemException(file + ": too large for a PEM file (over 1 MiB)");
      }
      return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new PemException(file + ": no such file");
    } catch (IOException e) {
      throw new PemException(file + ": cannot read it (" + e.getMessage() + ")");
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  /** A PEM file that cannot be used; the message names the file and the fix. */
  public static final class PemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PemException(String message) {
      super(message);
    }
  }

  /** Just enough DER to wrap the older key forms in PKCS#8. */
  static final class Der {
    /** AlgorithmIdentifier { rsaEncryption, NULL }. */
    static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");

    private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

    private Der() {}

    /** PrivateKeyInfo { version 0, algorithm, OCTET STRING key }. */
    static byte[] pkcs8(byte[] algorithm, byte[] key) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.writeBytes(new byte[] {0x02, 0x01, 0x00});
      body.writeBytes(algorithm);
      body.writeBytes(tlv(0x04, key));
      return tlv(0x30, body.toByteArray());
    }

    /** AlgorithmIdentifier { id-ecPublicKey, the curve's OID (a whole TLV) }. */
    static byte[] ecAlgorithm(byte[] curveOid) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.writeBytes(EC_PUBLIC_KEY_OID);
      body.writeBytes(curveOid);
      return tlv(0x30, body.toByteArray());
    }

    /**
     * The curve OID (tag, length and value) of a SEC1 ECPrivateKey's {@code [0] parameters}, or
     * null when it has none or is not a SEC1 key.
     */
    static byte[] sec1Curve(byte[] der) {
      try {
        int[] outer = header(der, 0);
        if (der[0] != 0x30) {
          return null;
        }
        int at = outer[0];
        int end = outer[0] + outer[1];
        while (at < end) {
          int[] h = header(der, at);
          int tag = der[at] & 0xff;
          if (tag == 0xa0) {
            int inner = h[0];
            int[] oid = header(der, inner);
            if ((der[inner] & 0xff) != 0x06) {
              return null;
            }
            byte[] out = new byte[oid[0] - inner + oid[1]];
            System.arraycopy(der, inner, out, 0, out.length);
            return out;
          }
          at = h[0] + h[1];
        }
        return null;
      } catch (ArrayIndexOutOfBoundsException e) {
        return null;
      }
    }

    /** {offset of the value, length of the value} of the TLV at {@code at}. */
    private static int[] header(byte[] der, int at) {
      int first = der[at + 1] & 0xff;
      if (first < 0x80) {
        return new int[] {at + 2, first};
      }
      int count = first & 0x7f;
      if (count < 1 || count > 3) {
        throw new ArrayIndexOutOfBoundsException("unsupported DER length");
      }
      int length = 0;
      for (int i = 0; i < count; i++) {
        length = (length << 8) | (der[at + 2 + i] & 0xff);
      }
      if (at + 2 + count + length > der.length) {
        throw new ArrayIndexOutOfBoundsException("DER length beyond the data");
      }
      return new int[] {at + 2 + count, length};
    }

    private static byte[] tlv(int tag, byte[] value) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(tag);
      int n = value.length;
      if (n < 0x80) {
        out.write(n);
      } else if (n < 0x100) {
        out.write(0x81);
        out.write(n);
      } else if (n < 0x10000) {
        out.write(0x82);
        out.write(n >> 8);
        out.write(n & 0xff);
      } else {
        out.write(0x83);
        out.write(n >> 16);
        out.write((n >> 8) & 0xff);
        out.write(n & 0xff);
      }
      out.writeBytes(value);
      return out.toByteArray();
    }
  }
}
