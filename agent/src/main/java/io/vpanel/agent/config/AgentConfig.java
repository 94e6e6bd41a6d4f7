package io.vpanel.agent.config;

import io.vpanel.agent.logging.LogSettings;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.web.ApiSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The agent's whole configuration, validated.
 *
 * @param hostName this host's name in vpanel
 * @param hypervisor the hypervisor driver
 * @param uri how the agent reaches its own hypervisor
 * @param migrationUri where peers send guests back to this host
 * @param panels every panel showing this host
 * @param alerts hardware alert sources
 * @param management the management backend, empty for none
 * @param listenHost the API's address
 * @param listenPort the API's port
 * @param tokenFile the file holding the API token (one token, role admin)
 * @param tokensFile the file of named tokens with roles, stored hashed (see {@code ApiTokens})
 * @param journalPath where the journal goes; empty for none (no crash resume)
 * @param engine maintenance behaviour
 * @param tokenName the API token's name, recorded as the origin of API requests
 * @param api accepted host names and event stream limits
 * @param journalMaxSizeMb the journal's size cap
 * @param journalRetentionDays entries older than this are deleted (0: kept until the size cap)
 * @param hostNameSource where {@code hostName} came from, for errors about it: {@code file:line} of
 *     {@code host.name}, or the file and a note that the machine's name was taken
 * @param logging the log format and level ({@code logging:})
 */
public record AgentConfig(
    String hostName,
    DriverChoice hypervisor,
    String uri,
    String migrationUri,
    List<DriverChoice> panels,
    List<DriverChoice> alerts,
    Optional<DriverChoice> management,
    String listenHost,
    int listenPort,
    Optional<Path> tokenFile,
    Optional<Path> tokensFile,
    Optional<Path> journalPath,
    EngineSettings engine,
    String tokenName,
    ApiSettings api,
    long journalMaxSizeMb,
    int journalRetentionDays,
    String hostNameSource,
    LogSettings logging) {}
