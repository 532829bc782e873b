// xapi-mock: every operation of 3CX's XAPI description (its facts file) answered on loopback,
// for the generic 3CX node's end-to-end tests.
#include "mock_server.hpp"
#include "serve.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char **argv) {
    CLI::App app{"xapi-mock: every XAPI operation of the facts file answered with a valid body, on loopback"};
    xapimock::Config config;
    std::string host = "127.0.0.1", port_file;
    int port = 0;
    app.add_option("--facts", config.facts_path, "The facts file (schemas/xapi/operations.json)")->required();
    app.add_option("--host", host, "Address to listen on (loopback only)")->capture_default_str();
    app.add_option("--port", port, "Port; 0 picks a free one and prints it")->capture_default_str();
    app.add_option("--port-file", port_file, "Also write the chosen port to this file");
    app.add_option("--client-id", config.client_id)->capture_default_str();
    app.add_option("--client-secret", config.client_secret)->capture_default_str();
    app.add_option("--token-lifetime", config.token_lifetime_s, "Access token lifetime in seconds")->capture_default_str();
    app.add_option("--entities", config.paging.entities, "Entities in every collection")->capture_default_str();
    app.add_option("--page-cap", config.paging.page_cap,
                   "Server page size: at most N entities per answer, the rest behind @odata.nextLink ($skip, as ASP.NET OData; 0: none)")
        ->capture_default_str();
    app.add_flag("--unstable-order", config.paging.unstable_order,
                 "Without $orderby, order every answer anew (as a database without ORDER BY may)");
    CLI11_PARSE(app, argc, argv);
    try {
        xapimock::MockServer mock(config);
        httplib::Server server;
        mock.attach(server);
        return emulator::serve(server, host, port, port_file, "xapi-mock (http, client id " + config.client_id + ")");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "xapi-mock: %s\n", e.what());
        return 2;
    }
}
