package io.vpanel.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answer Jetty gives by itself — a request line it cannot parse (400), a URI or headers too
 * large (414, 431), anything refused before a route runs — in the API's JSON error shape instead of
 * Jetty's HTML page, whatever the client's {@code Accept} header says. Jetty's own wording is kept
 * short and never echoes the request.
 */
final class JsonErrorHandler extends ErrorHandler {
  private final JsonViews json;

  JsonErrorHandler(JsonViews json) {
    this.json = json;
    setShowStacks(false);
    setShowCauses(false);
    setShowOrigin(false);
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    byte[] body = json.write(json.error(reason(code))).getBytes(StandardCharsets.UTF_8);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /** What went wrong, from the status alone: Jetty's detail can quote the request. */
  static String reason(int code) {
    return switch (code) {
      case HttpStatus.BAD_REQUEST_400 -> "bad request: the request line or headers are malformed";
      case HttpStatus.URI_TOO_LONG_414 ->
          "URI too long: the request line may have at most "
              + ApiLimits.MAX_REQUEST_LINE_BYTES
              + " bytes";
      case HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431 ->
          "request headers too large: at most " + ApiLimits.MAX_HEADER_BYTES + " bytes in all";
      case HttpStatus.PAYLOAD_TOO_LARGE_413 ->
          "request body too large: at most " + ApiLimits.MAX_BODY_BYTES + " bytes";
      case HttpStatus.NOT_FOUND_404 -> "no such resource";
      case HttpStatus.METHOD_NOT_ALLOWED_405 -> "method not allowed";
      default -> {
        String phrase = HttpStatus.getMessage(code);
        yield code + " " + (phrase == null ? "error" : phrase);
      }
    };
  }
}
