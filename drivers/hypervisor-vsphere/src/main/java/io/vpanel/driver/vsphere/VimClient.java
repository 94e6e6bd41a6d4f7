package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.SecretFiles;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

/**
 * The project's own vim25 SOAP client: one session (the {@code vmware_soap_session} cookie) over
 * the JDK's HTTP client, TLS verified against the configured CA bundle (or the JDK's trust store),
 * replies read up to a size limit and parsed by {@link SoapResponse}. A call that meets {@code
 * NotAuthenticated} (the session expired, was ended, or the server restarted) logs in again once
 * and repeats. The password is read from its file (mode 600) at every login and never logged.
 */
final class VimClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VimClient.class);
  static final MoRef SERVICE_INSTANCE = new MoRef("ServiceInstance", "ServiceInstance");

  /** What RetrieveServiceContent answers that the driver uses. */
  record ServiceContent(
      MoRef propertyCollector,
      MoRef viewManager,
      MoRef rootFolder,
      MoRef sessionManager,
      MoRef customFieldsManager,
      MoRef taskManager,
      String fullName,
      String apiType) {}

  private final URI sdk;
  private final String user;
  private final Path passwordFile;
  private final String soapAction;
  private final Duration requestTimeout;
  private final long maxReplyBytes;
  private final HttpClient http;
  private final AtomicLong epoch = new AtomicLong();
  private final Object loginLock = new Object();
  private volatile String cookie;
  private volatile ServiceContent content;
  private volatile boolean closed;
  private final java.util.List<SessionListener> sessionListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Hears of a session the server ended (NotAuthenticated) and of the login that replaced it. */
  interface SessionListener {
    /** The server no longer knows the session; a new login follows at once. */
    void sessionEnded(String reason);

    /** A login replaced an ended session. */
    void sessionRenewed();

    /** The login that should replace an ended session failed. */
    default void renewalFailed(String reason) {}
  }

  /** Adds a listener, called on the thread that met the fault; it must return at once. */
  void onSession(SessionListener listener) {
    sessionListeners.add(listener);
  }

  VimClient(VsphereSettings settings, SSLContext ssl) {
    this.sdk = URI.create(settings.url());
    this.user = settings.user();
    this.passwordFile = Path.of(settings.passwordFile());
    this.soapAction = "urn:vim25/" + settings.apiVersion();
    this.requestTimeout = Duration.ofSeconds(settings.requestTimeoutSeconds());
    this.maxReplyBytes = settings.maxReplyMiB() * 1024L * 1024L;
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(settings.connectTimeoutSeconds()))
            .followRedirects(HttpClient.Redirect.NEVER);
    if (ssl != null) {
      builder.sslContext(ssl);
    }
    this.http = builder.build();
  }

  /** The server's URL, for messages. */
  URI sdk() {
    return sdk;
  }

  /**
   * The session's number: it grows with every login, so objects bound to a session (views, private
   * property collectors) know to be made again.
   */
  long epoch() {
    return epoch.get();
  }

  /** The service content, logging in first when there is no session. */
  ServiceContent content() {
    ServiceContent current = content;
    if (current == null || cookie == null) {
      login(epoch.get());
      current = content;
    }
    return current;
  }

  /** Calls one method; logs in first when needed and once more on {@code NotAuthenticated}. */
  Element call(SoapBody body) {
    if (closed) {
      throw new DriverException("the vSphere client for " + sdk + " is closed");
    }
    long seen = epoch.get();
    if (cookie == null) {
      login(seen);
      seen = epoch.get();
    }
    byte[] request = body.bytes();
    try {
      return send(body.method(), request);
    } catch (VimFault fault) {
      if (!fault.notAuthenticated() || closed) {
        throw fault;
      }
      String reason =
          "vSphere at "
              + sdk
              + " ended the session ("
              + fault.faultType()
              + (fault.faultType().equals(fault.getMessage())
                  ? ""
                  : ": " + SoapResponse.clip(String.valueOf(fault.getMessage())))
              + ")";
      log.info("{}; logging in again", reason);
      sessionListeners.forEach(l -> l.sessionEnded(reason));
      boolean renewed = epoch.get() == seen;
      try {
        login(seen);
      } catch (RuntimeException e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        sessionListeners.forEach(l -> l.renewalFailed(why));
        throw e;
      }
      if (renewed) {
        sessionListeners.forEach(SessionListener::sessionRenewed);
      }
      return send(body.method(), request);
    }
  }

  /** Logs in unless another thread already did since {@code seenEpoch}. */
  void login(long seenEpoch) {
    synchronized (loginLock) {
      if (epoch.get() != seenEpoch && cookie != null) {
        return;
      }
      cookie = null;
      Element returnval =
          Xml.child(
              send(
                  "RetrieveServiceContent",
                  SoapBody.call("RetrieveServiceContent", SERVICE_INSTANCE).bytes()),
              "returnval");
      if (returnval == null) {
        throw new DriverException("vSphere at " + sdk + " sent no service content");
      }
      ServiceContent sc =
          new ServiceContent(
              Xml.ref(Xml.child(returnval, "propertyCollector")),
              Xml.ref(Xml.child(returnval, "viewManager")),
              Xml.ref(Xml.child(returnval, "rootFolder")),
              Xml.ref(Xml.child(returnval, "sessionManager")),
              Xml.ref(Xml.child(returnval, "customFieldsManager")),
              Xml.ref(Xml.child(returnval, "taskManager")),
              String.valueOf(Xml.text(returnval, "about", "fullName")),
              String.valueOf(Xml.text(returnval, "about", "apiType")));
      if (sc.propertyCollector() == null
          || sc.sessionManager() == null
          || sc.viewManager() == null
          || sc.rootFolder() == null) {
        throw new DriverException(
            "vSphere at " + sdk + " lacks a property collector, view or session manager");
      }
      String password = readPassword();
      try {
        send(
            "Login",
            SoapBody.call("Login", sc.sessionManager())
                .text("userName", user)
                .text("password", password)
                .bytes());
      } catch (VimFault fault) {
        if ("InvalidLogin".equals(fault.faultType())) {
          throw new DriverException(
              "vSphere at "
                  + sdk
                  + " refused the login of user '"
                  + user
                  + "' (InvalidLogin: wrong user or password in "
                  + passwordFile
                  + ")");
        }
        throw fault;
      }
      if (cookie == null) {
        throw new DriverException(
            "vSphere at " + sdk + " accepted the login but set no session cookie");
      }
      content = sc;
      epoch.incrementAndGet();
      log.info("vSphere session at {} as {} ({}, {})", sdk, user, sc.fullName(), sc.apiType());
    }
  }

  private String readPassword() {
    SecretFiles.requireOwnerOnly(passwordFile);
    try {
      List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.UTF_8);
      if (lines.isEmpty() || lines.get(0).isEmpty()) {
        throw new DriverException(passwordFile + ": the vSphere password file is empty");
      }
      return lines.get(0);
    } catch (IOException e) {
      throw new DriverException(
          passwordFile + ": cannot read the vSphere password (" + e.getMessage() + ")");
    }
  }

  private Element send(String method, byte[] request) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(sdk)
            .timeout(requestTimeout)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", soapAction)
            .POST(HttpRequest.BodyPublishers.ofByteArray(request));
    String session = cookie;
    if (session != null) {
      builder.header("Cookie", session);
    }
    HttpResponse<InputStream> response;
    try {
      response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException(method + " to vSphere at " + sdk + " was interrupted");
    } catch (IOException e) {
      throw new DriverException(describe(method, e), e);
    }
    response.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith("vmware_soap_session="))
        .findFirst()
        .ifPresent(c -> cookie = c.split(";", 2)[0]);
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxReplyBytes + 1));
    } catch (IOException e) {
      throw new DriverException(describe(method, e), e);
    }
    if (body.length > maxReplyBytes) {
      throw new DriverException(
          "vSphere at "
              + sdk
              + " answered "
              + method
              + " with more than "
              + maxReplyBytes / (1024 * 1024)
              + " MiB (maxReplyMiB)");
    }
    return SoapResponse.parse(body, response.statusCode());
  }

  private String describe(String method, IOException e) {
    Throwable cause = e;
    while (cause != null) {
      if (cause instanceof SSLException ssl) {
        return "TLS with vSphere at "
            + sdk
            + " failed: "
            + SoapResponse.clip(String.valueOf(ssl.getMessage()))
            + " (is the server's certificate signed by a CA in caFile?)";
      }
      if (cause instanceof ConnectException) {
        return "cannot reach vSphere at " + sdk + ": connection refused";
      }
      if (cause instanceof HttpConnectTimeoutException) {
        return "cannot reach vSphere at " + sdk + ": connect timed out";
      }
      if (cause instanceof HttpTimeoutException) {
        return method
            + " to vSphere at "
            + sdk
            + " timed out after "
            + requestTimeout.toSeconds()
            + " s";
      }
      cause = cause.getCause();
    }
    return method
        + " to vSphere at "
        + sdk
        + " failed: "
        + SoapResponse.clip(String.valueOf(e.getMessage()));
  }

  /** Ends the session (best effort) and refuses further calls. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ServiceContent sc = content;
    if (cookie != null && sc != null) {
      try {
        send("Logout", SoapBody.call("Logout", sc.sessionManager()).bytes());
      } catch (RuntimeException e) {
        log.debug("logout from {}: {}", sdk, e.getMessage());
      }
    }
    cookie = null;
  }

  /** Ends the session on the server as an expiry would (tests). */
  void logoutForTest() {
    ServiceContent sc = content;
    send("Logout", SoapBody.call("Logout", sc.sessionManager()).bytes());
  }
}
