package io.vpanel.core.management;

import io.vpanel.spi.management.Coordinator;
import java.util.concurrent.CompletableFuture;

/**
 * The coordinator of an agent that decides alone: it admits every host the engine's own checks let
 * through and grants every placement the engine's own accounting allows (the engine never plans
 * beyond a destination's free room, moves in flight included). A distributed coordinator (etcd)
 * replaces it without the engine changing.
 */
public final class LocalCoordinator implements Coordinator {
  @Override
  public CompletableFuture<Admission> admit(AdmissionRequest request) {
    return CompletableFuture.completedFuture(Admission.granted("local coordinator"));
  }

  @Override
  public void release(String host) {}

  @Override
  public CompletableFuture<Reservation> reserve(PlacementRequest request) {
    return CompletableFuture.completedFuture(new Reservation(request, true, ""));
  }

  @Override
  public void unreserve(Reservation reservation) {}
}
