package io.vpanel.agent;

import io.vpanel.web.PemFiles;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The CLI's view of a running agent's API. */
final class ApiClient {
  private final String base;
  private final String token;
  private final HttpClient http;
  private final JsonMapper mapper = JsonMapper.builder().build();

  /**
   * How the client checks an agent that serves TLS, and proves itself to one that wants client
   * certificates. There is no way to skip the check.
   *
   * @param ca PEM bundle of the CA(s) that signed the agent's certificate; null for the JDK's
   *     trusted CAs
   * @param certificate PEM certificate chain presented to an agent with mutual TLS; null for none
   * @param key the certificate's PEM private key (mode 600)
   */
  record Tls(Path ca, Path certificate, Path key) {
    static final Tls NONE = new Tls(null, null, null);

    boolean any() {
      return ca != null || certificate != null || key != null;
    }
  }

  ApiClient(String base, String token) {
    this(base, token, Tls.NONE);
  }

  ApiClient(String base, String token, Tls tls) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (tls.any()) {
      if (!this.base.regionMatches(true, 0, "https://", 0, "https://".length())) {
        throw new CliException(
            "--ca, --cert and --key are for an agent serving TLS: give an https:// --url");
      }
      builder.sslContext(sslContext(tls));
    }
    this.http = builder.build();
  }

  private static SSLContext sslContext(Tls tls) {
    if ((tls.certificate() == null) != (tls.key() == null)) {
      throw new CliException("--cert and --key go together (env VPANEL_CERT and VPANEL_KEY)");
    }
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(tls.ca() == null ? null : PemFiles.trustStore(PemFiles.certificates(tls.ca())));
      KeyManager[] keys = null;
      if (tls.certificate() != null) {
        KeyManagerFactory factory =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(
            PemFiles.identity(tls.certificate(), tls.key()).keyStore(),
            PemFiles.Identity.password().toCharArray());
        keys = factory.getKeyManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys, trust.getTrustManagers(), null);
      return context;
    } catch (PemFiles.PemException e) {
      throw new CliException(e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS", e);
    }
  }

  /** A response: the status and the parsed JSON body. */
  record Reply(int status, JsonNode body) {
    String error() {
      JsonNode error = body.get("error");
      return error == null ? body.toString() : error.asString();
    }
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Reply post(String path, Object body) {
    if (token == null || token.isBlank()) {
      throw new CliException("this command needs the API token: pass --token or set VPANEL_TOKEN");
    }
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body))));
  }

  private Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body =
          response.body().isBlank() ? mapper.createObjectNode() : mapper.readTree(response.body());
      return new Reply(response.statusCode(), body);
    } catch (ConnectException e) {
      throw new CliException("cannot reach the agent at " + base + " (is it running? check --url)");
    } catch (SSLException e) {
      throw new CliException(
          "TLS with "
              + base
              + " failed: "
              + e.getMessage()
              + " (an agent certificate from a private CA needs --ca FILE or env VPANEL_CA; an"
              + " agent with mutual TLS needs --cert and --key)");
    } catch (IOException e) {
      boolean plain = base.regionMatches(true, 0, "http://", 0, "http://".length());
      String message = String.valueOf(e.getMessage());
      if (plain && message.startsWith("parsing HTTP/1.1 status line")) {
        // A TLS alert record (type 21) where an HTTP status line should be.
        throw new CliException(base + " answered in TLS, not plain HTTP: use https:// in --url");
      }
      throw new CliException(
          "talking to "
              + base
              + " failed: "
              + message.replaceAll("\\p{Cntrl}", "?")
              + (plain ? " (if the agent serves TLS, use https:// in --url)" : ""));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    } catch (tools.jackson.core.JacksonException e) {
      throw new CliException(base + " did not answer with JSON; is --url a vpanel agent?");
    }
  }

  /** A CLI failure with a message for the user; exits with status 1. */
  static final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
      super(message);
    }
  }
}
