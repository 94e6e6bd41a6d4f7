package io.vpanel.journal;

/** The journal cannot be opened or written; the message starts with "journal unavailable: ". */
public final class JournalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JournalException(String reason, Throwable cause) {
    super(
        reason.startsWith("journal unavailable") ? reason : "journal unavailable: " + reason,
        cause);
  }
}
