package io.vpanel.web;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web panel's files ({@code public/} on the class path), read once at start and served from
 * memory: about 20 small files, each with its type, an ETag (a hash of its bytes) and {@code
 * Cache-Control: no-cache}, so a browser revalidates and gets {@code 304} until the package is
 * upgraded. Which files there are is listed in {@value #LIST}: a class path has no directory
 * listing, and the alternative (Jetty's class-path resources) mounts the agent's whole jar as a zip
 * file system, about 20 MiB of heap for its index of 20,000 entries.
 */
final class PanelFiles {
  static final String LIST = "io/vpanel/web/panel-files.txt";
  static final String ROOT = "public/";

  /** One file: its URL path, bytes, type and entity tag. */
  record PanelFile(String urlPath, byte[] body, String contentType, String etag) {}

  private final Map<String, PanelFile> files;

  private PanelFiles(Map<String, PanelFile> files) {
    this.files = files;
  }

  /** URL path ({@code /index.html}) to file, in the list's order; {@code /} is the index. */
  Map<String, PanelFile> byUrlPath() {
    return files;
  }

  /** Reads every listed file; a listed file that is missing is a build defect and fails here. */
  static PanelFiles load(ClassLoader loader) {
    Map<String, PanelFile> files = new LinkedHashMap<>();
    for (String name : read(loader, LIST).lines().map(String::strip).toList()) {
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      byte[] body = bytes(loader, ROOT + name);
      PanelFile file = new PanelFile("/" + name, body, contentType(name), etag(body));
      files.put(file.urlPath(), file);
      if (name.equals("index.html")) {
        files.put("/", new PanelFile("/", body, file.contentType(), file.etag()));
      }
    }
    return new PanelFiles(Map.copyOf(files));
  }

  /** Answers a GET or HEAD of {@code file}: 304 when the client has it already. */
  static void serve(Context ctx, PanelFile file) {
    ctx.header("ETag", file.etag());
    ctx.header("Cache-Control", "no-cache");
    String seen = ctx.header("If-None-Match");
    if (seen != null && seen.contains(file.etag())) {
      ctx.status(304);
      return;
    }
    ctx.contentType(file.contentType());
    ctx.result(file.body());
  }

  static String contentType(String name) {
    String extension = name.substring(name.lastIndexOf('.') + 1);
    return switch (extension) {
      case "html" -> "text/html; charset=utf-8";
      case "css" -> "text/css; charset=utf-8";
      case "js" -> "text/javascript; charset=utf-8";
      case "svg" -> "image/svg+xml";
      case "json" -> "application/json";
      case "png" -> "image/png";
      case "ico" -> "image/x-icon";
      case "txt" -> "text/plain; charset=utf-8";
      default -> "application/octet-stream";
    };
  }

  private static String etag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String read(ClassLoader loader, String name) {
    return new String(bytes(loader, name), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ClassLoader loader, String name) {
    try (InputStream in = loader.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "the web panel's file " + name + " is not on the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name, e);
    }
  }
}
