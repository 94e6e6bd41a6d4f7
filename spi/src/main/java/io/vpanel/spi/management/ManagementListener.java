package io.vpanel.spi.management;

/** Receives what a management backend reports. Must return quickly, never block. */
public interface ManagementListener {
  void onLinkStatus(LinkStatus status, String reason);

  void onNotice(Notice notice);
}
