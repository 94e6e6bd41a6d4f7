package io.vpanel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made with {@code openssl} (and the JDK's {@code keytool} for an
 * expired one) in a directory the test owns: a CA, and P-256 or RSA leaf certificates it signs for
 * {@code 127.0.0.1}. Key files are written mode 600, as the agent demands.
 */
public final class TestCertificates {
  private final Path dir;
  private int counter;

  /** A certificate file, its key file and the certificate read back. */
  public record Pair(Path certificate, Path key, X509Certificate x509) {}

  public TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** True when {@code openssl} can be run. */
  public static boolean opensslAvailable() {
    try {
      return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A self-signed CA (EC P-256). */
  public Pair ca(String name) {
    String base = next(name);
    Path cert = dir.resolve(base + ".pem");
    Path key = dir.resolve(base + ".key");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=" + name,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout",
        key.toString(),
        "-out",
        cert.toString());
    return pair(cert, key);
  }

  /** An EC P-256 certificate for {@code 127.0.0.1} signed by {@code ca}, for server and client. */
  public Pair leaf(Pair ca, String name) {
    return leaf(ca, name, "ec", "ec_paramgen_curve:P-256");
  }

  /** An RSA 2048 certificate for {@code 127.0.0.1} signed by {@code ca}. */
  public Pair rsaLeaf(Pair ca, String name) {
    return leaf(ca, name, "rsa", "rsa_keygen_bits:2048");
  }

  private Pair leaf(Pair ca, String name, String type, String option) {
    String base = next(name);
    Path cert = dir.resolve(base + ".pem");
    Path key = dir.resolve(base + ".key");
    openssl(
        "req",
        "-x509",
        "-newkey",
        type,
        "-pkeyopt",
        option,
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=" + name,
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-addext",
        "basicConstraints=CA:FALSE",
        "-addext",
        "extendedKeyUsage=serverAuth,clientAuth",
        "-CA",
        ca.certificate().toString(),
        "-CAkey",
        ca.key().toString(),
        "-keyout",
        key.toString(),
        "-out",
        cert.toString());
    return pair(cert, key);
  }

  /** {@code key} in the older form: SEC1 ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA ...}). */
  public Path traditionalKey(Pair pair) {
    Path out = dir.resolve(next("traditional") + ".key");
    String tool = pair.x509().getPublicKey().getAlgorithm().equals("RSA") ? "rsa" : "ec";
    List<String> args = new ArrayList<>(List.of(tool, "-in", pair.key().toString()));
    if (tool.equals("rsa")) {
      args.add("-traditional");
    }
    args.addAll(List.of("-out", out.toString()));
    openssl(args.toArray(new String[0]));
    ownerOnly(out);
    return out;
  }

  /** A self-signed certificate whose validity ended yesterday (made with keytool). */
  public Pair expired(String name) throws Exception {
    String base = next(name);
    Path store = dir.resolve(base + ".p12");
    run(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair",
            "-keystore",
            store.toString(),
            "-storetype",
            "PKCS12",
            "-storepass",
            "changeit",
            "-alias",
            "old",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=127.0.0.1",
            "-startdate",
            "-3d",
            "-validity",
            "1"));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    Path cert = dir.resolve(base + ".pem");
    Path key = dir.resolve(base + ".key");
    Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("old").getEncoded()));
    Files.writeString(
        key,
        pem("PRIVATE KEY", ((PrivateKey) ks.getKey("old", "changeit".toCharArray())).getEncoded()));
    ownerOnly(key);
    return pair(cert, key);
  }

  /**
   * Copies {@code pair}'s files over {@code target}'s (a rotation: key first, then certificate).
   */
  public static void install(Pair pair, Pair target) throws IOException {
    Files.copy(pair.key(), target.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    ownerOnly(target.key());
    Files.copy(
        pair.certificate(),
        target.certificate(),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Mode 600: readable and writable by the owner only. */
  public static void ownerOnly(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private Pair pair(Path cert, Path key) {
    try {
      ownerOnly(key);
      X509Certificate x509;
      try (InputStream in = Files.newInputStream(cert)) {
        x509 = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      return new Pair(cert, key, x509);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String next(String name) {
    return name.replaceAll("[^A-Za-z0-9-]", "_") + "-" + (++counter);
  }

  private void openssl(String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    run(command);
  }

  private void run(List<String> command) {
    try {
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
