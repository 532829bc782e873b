// Which shared token store nodehost offers its plugins (the "wfnode.token-store/1" host
// extension): `--token-store redis://HOST[:PORT][/DB][?SETTING=N&...]`, else the environment
// variable WFNODE_TOKEN_STORE. The password comes only from WFNODE_TOKEN_STORE_PASSWORD (and
// a Redis ACL user from WFNODE_TOKEN_STORE_USERNAME), never from the URL: a command line is
// readable by every user of the machine. Settings:
//   lock_ttl_ms   how long the lock lives if its holder dies holding it (default 30000)
//   lock_wait_ms  how long a process waits for the lock before it fails (default 60000)
//   record_ttl_s  how long a stored token record lives (default 3600)
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace nodehost {

struct TokenStoreConfig {
    std::string host;
    int port = 6379;
    uint32_t db = 0;
    std::string username, password;  // from the environment; empty: none
    std::chrono::milliseconds lock_ttl{30'000};
    std::chrono::milliseconds lock_wait{60'000};
    // The record is opaque to the host, so it cannot expire exactly with the token inside it;
    // the plugin never takes a record past its own refresh time, so this only bounds how long
    // a stale one is kept. An hour: the lifetime the plugin assumes when the server states none;
    // a token that lives longer is fetched again after it by the next process that needs one.
    std::chrono::seconds record_ttl{3600};
    // Connecting and every command: an unreachable server fails within this.
    std::chrono::milliseconds timeout{5'000};

    // "redis://HOST:PORT/DB", what messages name: never a password.
    std::string url() const;
};

// The store `option` (--token-store) names, else $WFNODE_TOKEN_STORE; nullopt when both are
// empty. UsageError for a URL that is not one of the form above; its message never repeats
// the URL, which may hold a password by mistake.
std::optional<TokenStoreConfig> token_store_config(const std::string &option);

}  // namespace nodehost
