package io.vpanel.web;

/**
 * Who made a request, as its token says: the token's name (recorded as the origin {@code
 * api:<name>}, never the token itself) and its role.
 */
public record Caller(String name, Role role) {}
