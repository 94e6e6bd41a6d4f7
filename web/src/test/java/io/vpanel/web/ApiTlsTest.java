package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vpanel.testkit.TestCertificates;
import io.vpanel.testkit.TestCertificates.Pair;
import io.vpanel.web.PemFiles.PemException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The API over TLS: PEM files, modern protocols only, reload on change, mutual TLS. */
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES)
class ApiTlsTest {
  private static final String TOKEN = "tls-test-token-0123456789";

  @TempDir static Path dir;
  static TestCertificates certs;
  static Pair ca;

  @BeforeAll
  static void certificates() {
    assumeTrue(TestCertificates.opensslAvailable(), "openssl is needed to make certificates");
    certs = new TestCertificates(dir);
    ca = certs.ca("test-ca");
  }

  // ---------------------------------------------------------------- serving

  @Test
  void healthzAnswersOverHttpsWithThePemPair() throws Exception {
    Pair server = certs.leaf(ca, "server");
    try (SimulatedApi api = SimulatedApi.withoutHosts(TOKEN, tls(server, Optional.empty()))) {
      assertThat(api.url("/")).startsWith("https://");
      HttpResponse<String> response = get(client(ca, null), api.url("/healthz"));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"status\":\"ok\"");
      assertThat(peer(response).getSerialNumber()).isEqualTo(server.x509().getSerialNumber());
      assertThat(response.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.3");
    }
  }

  @Test
  void rsaAndTheOlderKeyFormsServeToo() throws Exception {
    Pair rsa = certs.rsaLeaf(ca, "rsa-server");
    Pair rsaPkcs1 = new Pair(rsa.certificate(), certs.traditionalKey(rsa), rsa.x509());
    Pair ec = certs.leaf(ca, "ec-server");
    Pair ecSec1 = new Pair(ec.certificate(), certs.traditionalKey(ec), ec.x509());
    assertThat(Files.readString(rsaPkcs1.key())).contains("BEGIN RSA PRIVATE KEY");
    assertThat(Files.readString(ecSec1.key())).contains("BEGIN EC PRIVATE KEY");
    for (Pair pair : List.of(rsa, rsaPkcs1, ecSec1)) {
      try (SimulatedApi api = SimulatedApi.withoutHosts(TOKEN, tls(pair, Optional.empty()))) {
        HttpResponse<String> response = get(client(ca, null), api.url("/healthz"));
        assertThat(response.statusCode()).as(pair.key().toString()).isEqualTo(200);
        assertThat(peer(response).getSerialNumber()).isEqualTo(pair.x509().getSerialNumber());
      }
    }
  }

  @Test
  void onlyTls13And12AreSpoken() throws Exception {
    Pair server = certs.leaf(ca, "protocols");
    try (SimulatedApi api = SimulatedApi.withoutHosts(TOKEN, tls(server, Optional.empty()))) {
      ApiTls tls = api.api().tls().orElseThrow();
      assertThat(tls.factory().getSelectedProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
      SSLContext context = context(ca, null);
      for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
        assertThat(handshake(context, api.api().port(), protocol)).isEqualTo(protocol);
      }
      // The JDK itself refuses TLS 1.1 (jdk.tls.disabledAlgorithms), so the attempt fails on one
      // side or the other; the server's own list above is what guarantees it.
      for (String old : List.of("TLSv1.1", "TLSv1")) {
        assertThatThrownBy(() -> handshake(context, api.api().port(), old))
            .isInstanceOf(IOException.class);
      }
    }
  }

  @Test
  void plainHttpToTheTlsPortGetsNoAnswer() throws Exception {
    Pair server = certs.leaf(ca, "plain");
    try (SimulatedApi api = SimulatedApi.withoutHosts(TOKEN, tls(server, Optional.empty()));
        Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", api.api().port()), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] answer = readAll(socket.getInputStream());
      String text = new String(answer, StandardCharsets.ISO_8859_1);
      // Jetty's SSL engine fails the handshake and closes, at most after a TLS alert record
      // (content type 21): never an HTTP answer, never the API's data.
      assertThat(text).doesNotContain("HTTP/1.1").doesNotContain("status");
      assertThat(answer.length == 0 || answer[0] == 21).as("only a TLS alert or nothing").isTrue();
    }
  }

  @Test
  void thePanelPageAndTheEventStreamWorkOverTls() throws Exception {
    Pair server = certs.leaf(ca, "sse");
    ApiSettings settings = tls(server, Optional.empty());
    try (SimulatedApi api = SimulatedApi.withSimulatedHosts(TOKEN, settings)) {
      HttpClient http = client(ca, null);
      HttpResponse<String> page = get(http, api.url("/"));
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
      try (SseTestClient events = SseTestClient.connect(http, api.url("/api/v1/events"))) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> !events.events("host").isEmpty());
      }
    }
  }

  // ---------------------------------------------------------------- reload

  @Test
  void aRotatedPairServesNewConnectionsWhileOpenOnesKeepWorking() throws Exception {
    Pair first = certs.leaf(ca, "first");
    Pair live = new Pair(dir.resolve("live.pem"), dir.resolve("live.key"), first.x509());
    TestCertificates.install(first, live);
    ApiSettings settings =
        ApiSettings.defaults()
            .withTls(
                new TlsSettings(
                    live.certificate(), live.key(), Optional.empty(), Duration.ofSeconds(1)));
    try (SimulatedApi api = SimulatedApi.withoutHosts(TOKEN, settings)) {
      HttpClient open = client(ca, null);
      assertThat(serial(get(open, api.url("/healthz")))).isEqualTo(serialOf(first));

      Pair second = certs.leaf(ca, "second");
      TestCertificates.install(second, live);
      // The watcher (every second) picks it up.
      Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> serial(get(client(ca, null), api.url("/healthz"))).equals(serialOf(second)));
      assertThat(api.api().tls().orElseThrow().certificate().getSerialNumber())
          .isEqualTo(serialOf(second));
      // The connection opened before the rotation is still served, with its certificate.
      HttpResponse<String> again = get(open, api.url("/healthz"));
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(serial(again)).isEqualTo(serialOf(first));
    }
  }

  @Test
  void aBadNewPairIsRefusedAndTheOldOneStays() throws Exception {
    Pair first = certs.leaf(ca, "keep");
    Pair other = certs.leaf(ca, "other");
    Pair live = new Pair(dir.resolve("keep.pem"), dir.resolve("keep.key"), first.x509());
    TestCertificates.install(first, live);
    ApiSettings settings =
        ApiSettings.defaults()
            .withTls(
                new TlsSettings(
                    live.certificate(), live.key(), Optional.empty(), Duration.ofHours(1)));
    try (SimulatedApi api = SimulatedApi.withoutHosts(TOKEN, settings)) {
      ApiTls tls = api.api().tls().orElseThrow();
      assertThat(tls.checkNow()).isEqualTo(ApiTls.Check.UNCHANGED);

      // A new certificate with the old key: they do not match.
      Files.copy(other.certificate(), live.certificate(), REPLACE);
      assertThat(tls.checkNow()).isEqualTo(ApiTls.Check.REFUSED);
      assertThat(serial(get(client(ca, null), api.url("/healthz")))).isEqualTo(serialOf(first));

      // Garbage where the certificate was.
      Files.writeString(live.certificate(), "not a certificate\n");
      assertThat(tls.checkNow()).isEqualTo(ApiTls.Check.REFUSED);

      // The matching key, but readable by everyone.
      Files.copy(other.certificate(), live.certificate(), REPLACE);
      Files.copy(other.key(), live.key(), REPLACE);
      Files.setPosixFilePermissions(live.key(), PosixFilePermissions.fromString("rw-r--r--"));
      assertThat(tls.checkNow()).isEqualTo(ApiTls.Check.REFUSED);
      assertThat(serial(get(client(ca, null), api.url("/healthz")))).isEqualTo(serialOf(first));

      // Fixed: now it is taken.
      TestCertificates.ownerOnly(live.key());
      Files.writeString(live.key(), Files.readString(live.key()) + "\n");
      assertThat(tls.checkNow()).isEqualTo(ApiTls.Check.RELOADED);
      assertThat(serial(get(client(ca, null), api.url("/healthz")))).isEqualTo(serialOf(other));
    }
  }

  // ---------------------------------------------------------------- mutual TLS

  @Test
  void withAClientCaOnlyClientsWithItsCertificatesGetIn() throws Exception {
    Pair server = certs.leaf(ca, "mtls-server");
    Pair clientCa = certs.ca("client-ca");
    Pair agent = certs.leaf(clientCa, "peer-agent");
    Pair strangerCa = certs.ca("stranger-ca");
    Pair stranger = certs.leaf(strangerCa, "stranger");
    try (SimulatedApi api =
        SimulatedApi.withoutHosts(TOKEN, tls(server, Optional.of(clientCa.certificate())))) {
      assertThat(api.api().tls().orElseThrow().mutual()).isTrue();
      assertThat(get(client(ca, agent), api.url("/healthz")).statusCode()).isEqualTo(200);

      assertThatThrownBy(() -> get(client(ca, null), api.url("/healthz")))
          .as("no client certificate")
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> get(client(ca, stranger), api.url("/healthz")))
          .as("a certificate of another CA")
          .isInstanceOf(IOException.class);
      for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
        assertThatThrownBy(() -> request(context(ca, null), api.api().port(), protocol))
            .as("no client certificate over " + protocol)
            .isInstanceOf(IOException.class);
      }
    }
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void unusableFilesAreRefusedNamingTheFile() throws Exception {
    Pair good = certs.leaf(ca, "good");
    Pair other = certs.leaf(ca, "unrelated");
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> new ApiTls(new TlsSettings(missing, good.key())))
        .isInstanceOf(PemException.class)
        .hasMessage(missing + ": no such file");

    Path text = Files.writeString(dir.resolve("text.pem"), "hello\n");
    assertThatThrownBy(() -> new ApiTls(new TlsSettings(text, good.key())))
        .hasMessageContaining(text + ": is not a PEM file");

    assertThatThrownBy(() -> new ApiTls(new TlsSettings(good.key(), good.key())))
        .hasMessageContaining("holds a private key where a certificate was expected");

    assertThatThrownBy(() -> new ApiTls(new TlsSettings(good.certificate(), other.key())))
        .hasMessageContaining(other.key() + ": the key does not match the certificate in")
        .hasMessageContaining(good.certificate().toString());

    Path loose = dir.resolve("loose.key");
    Files.copy(good.key(), loose);
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r-----"));
    assertThatThrownBy(() -> new ApiTls(new TlsSettings(good.certificate(), loose)))
        .hasMessageContaining(loose + ": is readable or writable by its group or others")
        .hasMessageContaining("chmod 600 " + loose);

    Pair expired = certs.expired("expired");
    assertThatThrownBy(() -> new ApiTls(new TlsSettings(expired.certificate(), expired.key())))
        .hasMessageContaining(expired.certificate() + ": the certificate expired on");
    assertThat(PemFiles.expiresSoon(good.x509(), Instant.now())).isTrue();
    assertThat(PemFiles.expiresSoon(good.x509(), Instant.now().minus(Duration.ofDays(20))))
        .isFalse();

    Path ed25519 = dir.resolve("ed25519.key");
    Files.writeString(
        ed25519,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder()
                .encodeToString(
                    KeyPairGenerator.getInstance("Ed25519")
                        .generateKeyPair()
                        .getPrivate()
                        .getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    TestCertificates.ownerOnly(ed25519);
    assertThatThrownBy(() -> PemFiles.privateKey(ed25519))
        .hasMessageContaining(ed25519 + ": unsupported key type");

    Path encrypted =
        Files.writeString(
            dir.resolve("encrypted.key"),
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> PemFiles.privateKey(encrypted))
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + encrypted);
  }

  // ---------------------------------------------------------------- helpers

  private static final java.nio.file.CopyOption REPLACE =
      java.nio.file.StandardCopyOption.REPLACE_EXISTING;

  private static ApiSettings tls(Pair server, Optional<Path> clientCa) {
    return ApiSettings.defaults()
        .withTls(
            new TlsSettings(
                server.certificate(), server.key(), clientCa, TlsSettings.DEFAULT_RELOAD_INTERVAL));
  }

  /** An SSL context trusting {@code trusted}, presenting {@code identity} when not null. */
  static SSLContext context(Pair trusted, Pair identity) throws Exception {
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(PemFiles.trustStore(PemFiles.certificates(trusted.certificate())));
    KeyManagerFactory keys = null;
    if (identity != null) {
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      KeyStore store = PemFiles.identity(identity.certificate(), identity.key()).keyStore();
      keys.init(store, PemFiles.Identity.password().toCharArray());
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  private static HttpClient client(Pair trusted, Pair identity) throws Exception {
    return HttpClient.newBuilder()
        .sslContext(context(trusted, identity))
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static HttpResponse<String> get(HttpClient http, String url)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static X509Certificate peer(HttpResponse<?> response) throws Exception {
    return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
  }

  private static BigInteger serial(HttpResponse<?> response) throws Exception {
    return peer(response).getSerialNumber();
  }

  private static BigInteger serialOf(Pair pair) {
    return pair.x509().getSerialNumber();
  }

  /** A handshake offering only {@code protocol}; the protocol agreed. */
  private static String handshake(SSLContext context, int port, String protocol)
      throws IOException {
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket.startHandshake();
      return socket.getSession().getProtocol();
    } catch (IllegalArgumentException e) {
      throw new IOException("the JDK does not offer " + protocol, e);
    }
  }

  /** A whole request over {@code protocol} (a TLS 1.3 client learns of a refusal only then). */
  private static void request(SSLContext context, int port, String protocol) throws IOException {
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket
          .getOutputStream()
          .write(
              "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      byte[] answer = readAll(socket.getInputStream());
      if (answer.length == 0) {
        throw new IOException("closed without an answer");
      }
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try {
      return in.readAllBytes();
    } catch (java.net.SocketException e) {
      return new byte[0];
    }
  }
}
