package io.vpanel.driver.redfish;

import io.vpanel.driver.redfish.RedfishException.Kind;
import io.vpanel.spi.DriverException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * HTTPS to one Redfish service (JDK HttpClient, HTTP/1.1, host names verified): bounded JSON reads,
 * writes, an event stream, and basic or session authentication. Thread-safe.
 */
final class RedfishClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedfishClient.class);

  /** The largest response body read. */
  static final int MAX_BODY = 1 << 20;

  static final JsonMapper JSON = JsonMapper.builder().build();

  private final RedfishSettings settings;
  private final Credentials credentials;
  private final SSLContext tls;
  private final HttpClient http;
  private final Object sessionLock = new Object();
  private String token;
  private String sessionUri;

  RedfishClient(RedfishSettings settings, Credentials credentials) {
    this.settings = settings;
    this.credentials = credentials;
    this.tls = tls(settings.caFile());
    this.http = newHttp();
  }

  /**
   * Reads the CA bundle now, so a missing or malformed {@code caFile} is a start-up error (a BMC
   * that does not answer yet is not); throws what the client's constructor would.
   */
  static void checkTls(RedfishSettings settings) {
    tls(settings.caFile());
  }

  /** A client of its own (an event stream), so that closing it ends a read blocked on it. */
  HttpClient newHttp() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .sslContext(tls)
        .connectTimeout(settings.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  String base() {
    return settings.uri();
  }

  /** GETs a resource and parses it, within {@link #MAX_BODY}. */
  JsonNode get(String path) throws RedfishException {
    Answer answer = send("GET", path, null, Optional.empty());
    if (answer.status() != 200) {
      throw new RedfishException(
          Kind.HTTP, "GET " + path + " answered HTTP " + answer.status() + brief(answer.body()));
    }
    return parse(path, answer.body());
  }

  /** The answer of a request: status, body (bounded) and the ETag header, if any. */
  record Answer(int status, String body, Optional<String> etag) {}

  /** Sends a request with a JSON body (or none); logs in again once on 401 with a session. */
  Answer send(String method, String path, String body, Optional<String> ifMatch)
      throws RedfishException {
    Answer answer = sendOnce(method, path, body, ifMatch, authorization());
    if (answer.status() == 401 && settings.auth().equals("session")) {
      synchronized (sessionLock) {
        token = null;
      }
      answer = sendOnce(method, path, body, ifMatch, authorization());
    }
    if (answer.status() == 401) {
      throw new RedfishException(
          Kind.AUTH,
          base()
              + " refused the credentials of user '"
              + credentials.username()
              + "' (HTTP 401): check the password file");
    }
    return answer;
  }

  /** Opens an event stream; the body is read by the caller, who closes {@code client}. */
  HttpResponse<InputStream> openStream(HttpClient client, String path, Optional<String> lastId)
      throws RedfishException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(settings.timeout())
            .header("Accept", "text/event-stream")
            .GET();
    lastId.ifPresent(id -> request.header("Last-Event-ID", id));
    request.header(authorization()[0], authorization()[1]);
    HttpResponse<InputStream> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw failure(path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedfishException(Kind.DOWN, "interrupted");
    }
    if (response.statusCode() != 200) {
      int status = response.statusCode();
      closeQuietly(response.body());
      if (status == 401) {
        synchronized (sessionLock) {
          token = null;
        }
        throw new RedfishException(
            Kind.AUTH,
            base()
                + " refused the credentials of user '"
                + credentials.username()
                + "' for the event stream (HTTP 401)");
      }
      throw new RedfishException(Kind.HTTP, "GET " + path + " (SSE) answered HTTP " + status);
    }
    return response;
  }

  private Answer sendOnce(
      String method, String path, String body, Optional<String> ifMatch, String[] auth)
      throws RedfishException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(settings.timeout())
            .header("Accept", "application/json")
            .header(auth[0], auth[1])
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    ifMatch.ifPresent(tag -> request.header("If-Match", tag));
    return exchange(request.build(), path);
  }

  private Answer exchange(HttpRequest request, String path) throws RedfishException {
    try {
      HttpResponse<InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      String text;
      try (InputStream in = response.body()) {
        text = readBounded(in, path);
      }
      return new Answer(response.statusCode(), text, response.headers().firstValue("ETag"));
    } catch (IOException e) {
      throw failure(path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedfishException(Kind.DOWN, "interrupted");
    }
  }

  /** The reason for the operator a failed request gives. */
  RedfishException failure(String path, IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLHandshakeException || t instanceof SSLException) {
        return new RedfishException(
            Kind.TLS,
            "TLS handshake with "
                + base()
                + " failed ("
                + t.getMessage()
                + "): is caFile the CA that signed the BMC's certificate, and does it name this"
                + " host?");
      }
    }
    if (e instanceof HttpConnectTimeoutException || e instanceof HttpTimeoutException) {
      return new RedfishException(
          Kind.TIMEOUT,
          base() + " not answering " + path + " within " + settings.timeoutMillis() + " ms");
    }
    if (e instanceof ConnectException) {
      return new RedfishException(Kind.DOWN, base() + " refuses connections (" + e + ")");
    }
    return new RedfishException(Kind.DOWN, base() + " failed on " + path + ": " + e);
  }

  static String readBounded(InputStream in, String path) throws IOException {
    byte[] bytes = in.readNBytes(MAX_BODY + 1);
    if (bytes.length > MAX_BODY) {
      throw new IOException("the answer to " + path + " is larger than " + MAX_BODY + " bytes");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static JsonNode parse(String what, String text) throws RedfishException {
    try {
      JsonNode node = JSON.readTree(text);
      if (node == null || !node.isObject()) {
        throw new RedfishException(Kind.MALFORMED, "malformed JSON from " + what + ": no object");
      }
      return node;
    } catch (JacksonException e) {
      throw new RedfishException(
          Kind.MALFORMED,
          "malformed JSON from " + what + ": " + Classifier.printable(e.getOriginalMessage(), 120));
    }
  }

  private URI uri(String path) {
    return URI.create(base() + path);
  }

  private String[] authorization() throws RedfishException {
    if (settings.auth().equals("basic")) {
      String pair = credentials.username() + ":" + credentials.password();
      return new String[] {
        "Authorization",
        "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8))
      };
    }
    synchronized (sessionLock) {
      if (token == null) {
        login();
      }
      return new String[] {"X-Auth-Token", token};
    }
  }

  /** POSTs a session; keeps its token and where to delete it. Holds the session lock. */
  private void login() throws RedfishException {
    ObjectNode body = JSON.createObjectNode();
    body.put("UserName", credentials.username());
    body.put("Password", credentials.password());
    String path = "/redfish/v1/SessionService/Sessions";
    HttpRequest request =
        HttpRequest.newBuilder(uri(path))
            .timeout(settings.timeout())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
            .build();
    try {
      HttpResponse<InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        readBounded(in, path);
      }
      int status = response.statusCode();
      if (status == 401 || status == 403) {
        throw new RedfishException(
            Kind.AUTH,
            base()
                + " refused a session for user '"
                + credentials.username()
                + "' (HTTP "
                + status
                + "): check the password file");
      }
      Optional<String> newToken = response.headers().firstValue("X-Auth-Token");
      if ((status != 201 && status != 200) || newToken.isEmpty()) {
        throw new RedfishException(
            Kind.HTTP, "POST " + path + " answered HTTP " + status + " without X-Auth-Token");
      }
      token = newToken.get();
      sessionUri = response.headers().firstValue("Location").orElse(null);
    } catch (IOException e) {
      throw failure(path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedfishException(Kind.DOWN, "interrupted");
    }
  }

  /** Deletes the session, if any (best effort), and closes the connections. */
  @Override
  public void close() {
    String uri;
    String oldToken;
    synchronized (sessionLock) {
      uri = sessionUri;
      oldToken = token;
      token = null;
      sessionUri = null;
    }
    if (uri != null && oldToken != null) {
      try {
        URI target = URI.create(base()).resolve(uri);
        if (!target.getAuthority().equals(URI.create(base()).getAuthority())) {
          log.warn("not deleting the Redfish session at {}: another host", target);
        } else {
          HttpRequest request =
              HttpRequest.newBuilder(target)
                  .timeout(settings.timeout())
                  .header("X-Auth-Token", oldToken)
                  .DELETE()
                  .build();
          http.send(request, HttpResponse.BodyHandlers.discarding());
        }
      } catch (IOException | IllegalArgumentException e) {
        log.info("could not delete the Redfish session at {}: {}", uri, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    http.shutdownNow();
  }

  private static String brief(String body) {
    return body.isBlank() ? "" : ": " + Classifier.printable(body, 120);
  }

  static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // nothing more to do
    }
  }

  private static SSLContext tls(String caFile) {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caFile.isEmpty()) {
        trust.init((KeyStore) null);
      } else {
        Path file = Path.of(caFile);
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(file)) {
          certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
          throw new DriverException(caFile + ": cannot be read (" + e.getMessage() + ")");
        } catch (java.security.cert.CertificateException e) {
          throw new DriverException(caFile + ": no PEM certificates (" + e.getMessage() + ")");
        }
        if (certificates.isEmpty()) {
          throw new DriverException(caFile + ": holds no certificate");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates) {
          store.setCertificateEntry("ca-" + i++, certificate);
        }
        trust.init(store);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (java.security.GeneralSecurityException | IOException e) {
      throw new DriverException("cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
