package io.vpanel.spi;

/**
 * What a driver gets from the agent when it is created.
 *
 * @param scheduler the clock and the owning thread; callbacks into the agent go through it
 * @param localHost the name of the host this agent runs on (the demo runs several)
 */
public record DriverContext(Scheduler scheduler, String localHost) {}
