package io.vpanel.web;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.sse.SseClient;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code GET /api/v1/events}: streams to every client that can take {@code text/event-stream} (that
 * type, {@code text/*}, {@code *}{@code /*} or no {@code Accept} at all, as curl and many clients
 * send) and answers {@code 406} with the API's JSON error to one that refuses it. Javalin's own SSE
 * handler streams only when the header names the type literally and otherwise answers an empty
 * {@code 200}.
 */
final class EventStreamRoute implements Handler {
  static final String TYPE = "text/event-stream";

  /** How long a client refused for too many streams is asked to wait. */
  static final int RETRY_AFTER_SECONDS = 10;

  private final SseHub hub;
  private final StreamLimits limits;
  private final Consumer<Context> access;

  /**
   * @param access throws the API's error when the caller may not read (reads need a token)
   */
  EventStreamRoute(SseHub hub, StreamLimits limits, Consumer<Context> access) {
    this.hub = hub;
    this.limits = limits;
    this.access = access;
  }

  @Override
  public void handle(Context ctx) throws Exception {
    access.accept(ctx);
    if (!MediaRanges.accepts(ctx.header("Accept"), TYPE)) {
      throw new ApiServer.ApiError(
          406,
          "this is a stream of server-sent events ("
              + TYPE
              + "); send Accept: "
              + TYPE
              + " or */*, or no Accept");
    }
    String address = ctx.ip();
    Optional<String> refusal = limits.admit(address);
    if (refusal.isPresent()) {
      hub.probe(address); // streams of tabs closed since their last write give their slot back
      throw new ApiServer.ApiError(503, refusal.get(), RETRY_AFTER_SECONDS);
    }
    try {
      start(ctx, address);
    } catch (Exception | Error e) {
      limits.release(address);
      throw e;
    }
  }

  private void start(Context ctx, String address) throws Exception {
    HttpServletResponse response = ctx.res();
    response.setStatus(200);
    response.setCharacterEncoding("UTF-8");
    response.setContentType(TYPE);
    response.addHeader("Connection", "close");
    response.addHeader("Cache-Control", "no-cache");
    response.addHeader("X-Accel-Buffering", "no");
    response.flushBuffer();
    ctx.async(
        config -> config.timeout = 0,
        () -> hub.serve(new SseClient(ctx), address, () -> limits.release(address)));
  }
}
